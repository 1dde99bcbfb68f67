"""`flask caseflow assess FILE` and `flask caseflow timelimit FILE`: JSON in (a file, or `-` for stdin),
JSON out. Invalid input exits with status 1 and prints {"error": "validation_failed", "message", "details"}."""
import json
import sys

import click
from flask.cli import with_appcontext

from caseflow.errors import ValidationFailed


def _read(file) -> dict:
    text = file.read()
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise ValidationFailed(f"输入不是有效的 JSON：{exc}", {"_schema": "应为 JSON 对象"}) from exc
    if not isinstance(payload, dict):
        raise ValidationFailed("输入应为 JSON 对象", {"_schema": "应为 JSON 对象"})
    return payload


def _emit(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(exc: ValidationFailed) -> None:
    _emit({"error": exc.code, "message": exc.message, "details": exc.details})
    sys.exit(1)


def _calendar():
    """The working calendar with the admin-entered days; without a usable database, the built-in
    schedules only (with a warning in the output)."""
    from sqlalchemy.exc import SQLAlchemyError

    from caseflow.deadlines.calendar import WorkingCalendar
    from caseflow.deadlines.services import working_calendar
    from caseflow.extensions import db
    try:
        return working_calendar(), None
    except SQLAlchemyError:
        db.session.rollback()
        return WorkingCalendar(), "未能读取管理员录入的节假日安排（数据库不可用或未初始化），仅按内置节假日安排计算"


def register(group) -> None:
    """Add the rules commands to the `caseflow` click group."""

    @group.command("assess")
    @click.argument("file", type=click.File("r", encoding="utf-8"))
    @with_appcontext
    def assess_command(file):
        """测算违法行为的处罚幅度、听证、法制审核等（JSON 输入，- 表示标准输入）。"""
        from caseflow.rules.assessment import assess
        try:
            _emit(assess(_read(file)))
        except ValidationFailed as exc:
            _fail(exc)

    @group.command("timelimit")
    @click.argument("file", type=click.File("r", encoding="utf-8"))
    @with_appcontext
    def timelimit_command(file):
        """计算法定期限（JSON 输入，- 表示标准输入）；按官方节假日及管理员录入的调休计算。"""
        from caseflow.rules.timelimits import compute
        try:
            payload = _read(file)
            calendar, warning = _calendar()
            result = compute(payload, calendar)
        except ValidationFailed as exc:
            _fail(exc)
            return
        if warning:
            result.setdefault("warnings", []).append(warning)
        _emit(result)
