"""`flask caseflow …` commands."""
import click


@click.group("caseflow")
def caseflow_cli():
    """Caseflow 管理命令."""


def register_cli(app):
    app.cli.add_command(caseflow_cli)
