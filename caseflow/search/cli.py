"""`flask caseflow search QUERY` (JSON lines, one hit a line) and `flask caseflow search-reindex`."""
import json
import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from caseflow.extensions import db


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--user", "username", default=None, help="以该用户的查看范围检索（默认：全部案件）")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="最多输出条数")
@with_appcontext
def search_command(query, username, limit):
    """全文检索案件、文书和证据，每行输出一个 JSON：案号、文书、摘要等。"""
    from caseflow.auth.models import User
    from caseflow.errors import ValidationFailed
    from caseflow.search.queries import MAX_PER_PAGE, SearchFilters, search
    user = None
    if username:
        user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None or not user.is_active:
            click.echo(f"用户 {username} 不存在或已停用", err=True)
            sys.exit(1)
    filters = SearchFilters(q=" ".join(query))
    printed, page = 0, 1
    try:
        while printed < limit:
            result = search(user, filters, page, min(MAX_PER_PAGE, limit))
            for hit in result.hits[:limit - printed]:
                click.echo(json.dumps({"case_number": hit.case_number, "document": hit.title, "snippet": hit.snippet,
                                       "kind": hit.kind, "case_id": hit.case_id, "ref_id": hit.ref_id,
                                       "state": hit.state_label, "score": hit.score}, ensure_ascii=False))
                printed += 1
            if page >= result.pages:
                break
            page += 1
    except ValidationFailed as exc:
        click.echo(exc.message, err=True)
        sys.exit(2)


@click.command("search-reindex")
@with_appcontext
def reindex_command():
    """重建全文检索索引（升级或导入数据后运行）。"""
    from caseflow.cases.models import Case
    from caseflow.db import unit_of_work
    from caseflow.search.indexing import entry_count, reindex_all
    total = db.session.execute(select(func.count(Case.id))).scalar_one()
    with click.progressbar(length=total, label="重建检索索引", file=sys.stderr) as bar:
        cases = unit_of_work(reindex_all)(progress=bar.update)
    click.echo(f"检索索引已重建：{cases} 个案件，{entry_count()} 条索引记录。")
