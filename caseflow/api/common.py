"""What every API view shares: the JSON body, the query string, pagination, JSON errors for any
HTTP exception raised inside the blueprint."""
from flask import jsonify, request
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from caseflow.api import api_bp
from caseflow.schemas import load_or_raise
from caseflow.cases.queries import Page
from caseflow.errors import DomainError
from caseflow.extensions import db


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


def json_body() -> dict:
    """The request's JSON object. Requiring application/json also keeps cross-site HTML forms out of
    session-authenticated writes (they cannot send that content type without a CORS preflight)."""
    if not request.is_json:
        raise BadRequest("请求体须为 JSON 对象（Content-Type: application/json）",
                         {"content_type": request.content_type or ""})
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("请求体须为 JSON 对象（如 {\"trigger\": …}），无法解析或类型不符", {"body": "应为 JSON 对象"})
    return body


def load_json(schema, what="提交的数据") -> dict:
    return load_or_raise(schema, json_body(), what)


def load_query(schema, what="查询参数") -> dict:
    """Load the query string; empty parameters (an unfilled filter) count as absent."""
    args = {key: value for key, value in request.args.items() if value.strip() != ""}
    return load_or_raise(schema, args, what)


def paginate(stmt, page: int, per_page: int) -> Page:
    """Run a select() one page at a time, with the total count."""
    total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    return Page(list(rows.all()), total, page, per_page)


def page_payload(page: Page, items: list) -> dict:
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total,
            "pages": page.pages}


def created(payload: dict, location: str | None = None):
    response = jsonify(payload)
    response.status_code = 201
    if location:
        response.headers["Location"] = location
    return response


@api_bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """HTTP errors the app-wide handlers do not cover (415, 429 …) as JSON too."""
    from caseflow.web.errors import HTTP_CODES, HTTP_MESSAGES, error_response
    status = exc.code or 500
    return error_response(status, HTTP_CODES.get(status, f"http_{status}"),
                          HTTP_MESSAGES.get(status, "请求无法处理"))
