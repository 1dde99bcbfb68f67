"""Error handlers: DomainError → JSON for the API, a Chinese page for the web UI."""
from flask import jsonify, render_template, request
from sqlalchemy.exc import OperationalError

from caseflow.errors import DomainError
from caseflow.extensions import db

HTTP_MESSAGES = {400: "请求无效", 401: "请先登录", 403: "没有权限", 404: "页面不存在", 405: "不支持的请求方法",
                 409: "数据冲突", 413: "上传内容过大", 422: "提交的数据有误", 500: "系统内部错误"}
HTTP_CODES = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "validation_failed",
              500: "internal_error"}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, details: dict | None = None):
    if _wants_json():
        return jsonify({"error": code, "message": message, "details": details or {}}), status
    return render_template("error.html", status=status, message=message, details=details or {}), status


def register_error_handlers(app):
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        db.session.rollback()
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(OperationalError)
    def _busy(exc):
        db.session.rollback()
        if "locked" in str(exc).lower() or "deadlock" in str(exc).lower():
            return error_response(409, "conflict", "数据正被他人修改，请稍后重试")
        raise exc

    for status, message in HTTP_MESSAGES.items():
        def handler(exc, status=status, message=message):
            if status == 500:
                db.session.rollback()
            return error_response(status, HTTP_CODES[status], message)
        app.register_error_handler(status, handler)
