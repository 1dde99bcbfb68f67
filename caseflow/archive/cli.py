"""`flask --app wsgi caseflow archive …`: list archived cases, export a case's BagIt package, verify a case file."""
import sys

import click
from flask.cli import with_appcontext

from caseflow.errors import DomainError


@click.group("archive")
def archive_cli():
    """档案：已归档案件、导出电子案卷（BagIt）、校验卷宗。"""


@archive_cli.command("list")
@with_appcontext
def list_command():
    """列出已归档案件的案号，每行一个。"""
    from caseflow.archive.services import archived_case_numbers
    for number in archived_case_numbers():
        click.echo(number)


@archive_cli.command("export")
@click.argument("case_number")
@click.argument("outdir", type=click.Path(file_okay=False))
@click.option("--party-copy", is_flag=True, help="导出当事人阅卷副本（仅正卷中已送达当事人的文书和不涉及患者个人信息的证据）")
@with_appcontext
def export_command(case_number, outdir, party_copy):
    """将已归档案件的电子案卷导出为 BagIt 包，写入 OUTDIR，输出包的路径。"""
    from caseflow.archive.assembly import item_count
    from caseflow.archive.services import export_bag, record_by_case_number
    try:
        record = record_by_case_number(case_number)
        merging = record.case_file_sha256 is None and not party_copy
        length = item_count(record) * (2 if merging else 1)  # merging the case file, then writing the package
        label = "合并卷宗并导出电子案卷" if merging else "导出电子案卷"
        with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
            path = export_bag(record, outdir, party_copy=party_copy, progress=bar.update)
    except DomainError as exc:
        click.echo(f"导出失败：{exc.message}", err=True)
        sys.exit(1)
    click.echo(str(path))


@archive_cli.command("verify")
@click.argument("case_number")
@with_appcontext
def verify_command(case_number):
    """重新计算已存卷宗 PDF 的 SHA-256 并与档案记录比对；不一致或缺失时以非零状态退出。"""
    from caseflow.archive.services import record_by_case_number, verify_case_file
    try:
        record = record_by_case_number(case_number)
    except DomainError as exc:
        click.echo(f"校验失败：{exc.message}", err=True)
        sys.exit(1)
    if record.case_file_sha256 is None:
        click.echo(f"档案 {record.archive_no} 的卷宗尚未合并成册（首次查阅或导出时合并），无可校验的文件。")
        return
    if not verify_case_file(record):
        click.echo(f"档案 {record.archive_no} 的卷宗文件已损坏或缺失（应为 SHA-256 {record.case_file_sha256}）", err=True)
        sys.exit(1)
    click.echo(f"档案 {record.archive_no} 的卷宗完好：SHA-256 {record.case_file_sha256}，共 {record.pages} 页。")
