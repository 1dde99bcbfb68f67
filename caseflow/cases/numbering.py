"""Gap-free numbers: one counter row per organisation, series and year, incremented inside the caller's
transaction (the row is locked until commit), so concurrent issuers queue and a rolled-back act gives
its number back."""
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from caseflow.cases.models import NumberCounter
from caseflow.extensions import db


def next_number(organisation_id: int, series: str, year: int) -> int:
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(NumberCounter).values(organisation_id=organisation_id, series=series, year=year,
                                                    last_value=0).on_conflict_do_nothing())
    stmt = select(NumberCounter).where(NumberCounter.organisation_id == organisation_id,
                                       NumberCounter.series == series, NumberCounter.year == year)
    if dialect == "postgresql":
        stmt = stmt.with_for_update()
    counter = db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()
    counter.last_value += 1
    db.session.flush()
    return counter.last_value
