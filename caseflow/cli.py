"""`flask --app wsgi caseflow …` commands."""
import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from caseflow.extensions import db


@click.group("caseflow")
def caseflow_cli():
    """Caseflow 管理命令。"""


@caseflow_cli.command("demo")
@with_appcontext
def demo_command():
    """载入演示数据（可重复执行，已载入时不重复）。"""
    from flask import current_app

    from caseflow.demo import DEMO_PASSWORD, USERS, load_demo
    # the demo issues hundreds of documents: their PDFs are rendered from the frozen snapshots when first
    # opened (or by `flask caseflow documents render-pending`), so loading stays quick
    render, current_app.config["RENDER_ON_ISSUE"] = current_app.config.get("RENDER_ON_ISSUE", True), False
    try:
        created = load_demo()
    finally:
        current_app.config["RENDER_ON_ISSUE"] = render
    if created:
        click.echo(f"已载入演示数据：{created} 个案件。")
    else:
        click.echo("演示数据已存在，未重复载入。")
    click.echo(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
    from caseflow.auth.roles import ROLE_LABELS
    for username, name, _, roles, _ in USERS:
        click.echo(f"  {username:<12} {name}（{'、'.join(ROLE_LABELS[r] for r in roles)}）")


@caseflow_cli.group("audit")
def audit_group():
    """审计日志。"""


@audit_group.command("verify")
@with_appcontext
def audit_verify():
    """校验审计日志哈希链；发现被修改、删除或调换的事件时以非零状态退出。"""
    from caseflow.audit.models import AuditEvent
    from caseflow.audit.services import verify_chain
    total = db.session.execute(select(func.count(AuditEvent.id))).scalar_one()
    with click.progressbar(length=total, label="校验审计日志", file=sys.stderr) as bar:
        report = verify_chain(progress=bar.update)
    if report.ok:
        click.echo(f"审计日志完整：共 {report.checked} 个事件，哈希链校验通过。")
        return
    row = f"（id={report.first_bad_id}）" if report.first_bad_id is not None else ""
    click.echo(f"审计日志校验失败：第一个异常事件序号 {report.first_bad_seq}{row}：{report.problem}。"
               f"此前 {report.checked} 个事件完好。", err=True)
    sys.exit(1)


@caseflow_cli.command("token")
@click.argument("username")
@with_appcontext
def token_command(username):
    """为用户生成新的 API 令牌（旧令牌作废）。"""
    from caseflow.auth.models import User
    from caseflow.auth.services import issue_token
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        click.echo(f"用户 {username} 不存在", err=True)
        sys.exit(1)
    click.echo(issue_token(None, user.id))


@caseflow_cli.group("deadlines")
def deadlines_group():
    """办案期限。"""


@deadlines_group.command("sweep")
@with_appcontext
def deadlines_sweep():
    """超期预警：记录新出现的临期和超期期限（写入审计日志，显示在承办人员的待办中）；建议每日由 cron 执行。"""
    from caseflow.db import unit_of_work
    from caseflow.deadlines.warnings import count_open, sweep
    from caseflow.timeutil import today

    @unit_of_work
    def run():
        with click.progressbar(length=count_open(), label="检查办案期限", file=sys.stderr) as bar:
            return sweep(today(), progress=bar.update)
    counts = run()
    click.echo(f"已检查 {counts['checked']} 项期限：新增超期 {counts['overdue']} 项，新增临期 {counts['due_soon']} 项。")


@caseflow_cli.group("calendar")
def calendar_group():
    """法定节假日安排。"""


@calendar_group.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("kind", type=click.Choice(["workday", "holiday"]))
@click.argument("note")
@click.option("--by", "username", required=True, help="录入人用户名（系统管理员）")
@with_appcontext
def calendar_set(day, kind, note, username):
    """录入某日为工作日（调休上班）或休息日（依国务院办公厅放假通知）。"""
    from caseflow.auth.models import User
    from caseflow.deadlines.services import set_calendar_day
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    set_calendar_day(user, day.date(), kind == "workday", note)
    click.echo(f"已录入 {day.date().isoformat()}：{'工作日' if kind == 'workday' else '休息日'}（{note}）")


def register_cli(app):
    from caseflow.archive.cli import archive_cli
    from caseflow.documents.cli import documents_cli
    from caseflow.rules.cli import register as register_rules
    from caseflow.search.cli import reindex_command, search_command
    from caseflow.storage.cli import storage_cli
    register_rules(caseflow_cli)
    caseflow_cli.add_command(documents_cli)
    caseflow_cli.add_command(storage_cli)
    caseflow_cli.add_command(archive_cli)
    caseflow_cli.add_command(search_command)
    caseflow_cli.add_command(reindex_command)
    app.cli.add_command(caseflow_cli)


