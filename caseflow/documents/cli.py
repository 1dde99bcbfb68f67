"""`flask caseflow documents …`: render every type's sample, render PDFs left pending, list the catalogue."""
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from caseflow.storage import write_atomically


@click.group("documents")
def documents_cli():
    """执法文书：样本、补生成 PDF、文书目录。"""


@documents_cli.command("samples")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--only", "only", multiple=True, help="只生成指定种类（可重复）")
@with_appcontext
def samples(outdir: Path, only):
    """按样本数据生成每种文书的 PDF：OUTDIR/<key>.pdf。"""
    from caseflow.documents.context import sample_context
    from caseflow.documents.rendering import get_renderer
    catalogue = current_app.extensions["caseflow_documents"]
    unknown = [k for k in only if k not in catalogue]
    if unknown:
        raise click.UsageError(f"未知的文书种类：{'、'.join(unknown)}")
    types = [t for t in catalogue if not only or t.key in only]
    outdir.mkdir(parents=True, exist_ok=True)
    renderer = get_renderer()
    with click.progressbar(types, label="生成文书样本", file=sys.stderr,
                           item_show_func=lambda t: t.title if t else "") as bar:
        for doc_type in bar:
            html = renderer.html(doc_type.key, sample_context(catalogue, doc_type.key, renderer))
            write_atomically(outdir / f"{doc_type.key}.pdf", renderer.pdf(html))
    click.echo(f"已生成 {len(types)} 种文书样本：{outdir}")


@documents_cli.command("render-pending")
@with_appcontext
def render_pending():
    """为延迟渲染签发的文书按冻结数据补生成 PDF。"""
    from sqlalchemy import select

    from caseflow.documents.models import Document
    from caseflow.documents.services import ensure_pdf
    from caseflow.errors import DomainError
    from caseflow.extensions import db
    ids = list(db.session.execute(select(Document.id).where(Document.status != "draft",
                                                            Document.pdf_sha256.is_(None))).scalars())
    failed = []
    with click.progressbar(ids, label="补生成文书 PDF", file=sys.stderr) as bar:
        for doc_id in bar:
            try:
                ensure_pdf(doc_id)
            except DomainError as exc:
                failed.append(f"文书 {doc_id}：{exc.message}")
    click.echo(f"已补生成 {len(ids) - len(failed)} 份文书 PDF。")
    for line in failed:
        click.echo(line, err=True)
    if failed:
        sys.exit(1)


@documents_cli.command("catalogue")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@with_appcontext
def catalogue_cmd(as_json):
    """列出文书目录：编号、种类、阶段、编号代字、需要该文书的流程步骤。"""
    from caseflow.documents.workflow_wiring import steps_for
    catalogue = current_app.extensions["caseflow_documents"]
    rows = [{"key": t.key, "code": t.code, "title": t.title, "stage": t.stage, "kind": t.kind,
             "numbering": t.numbering, "version": t.version, "steps": steps_for(t.key)} for t in catalogue]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        steps = "；".join(f"{s['workflow_label']}·{s['label']}（{s['role']}）" for s in r["steps"]) or "—"
        click.echo(f"{r['code']}\t{r['title']}\t{r['stage']}\t{r['numbering'] or '—'}\t{steps}")
