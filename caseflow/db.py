"""Declarative base with a constraint naming convention, and the unit of work (the only commit point)."""
import functools

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def unit_of_work(fn):
    """Run a service function in one transaction: commit when it returns, roll back on any error.

    Services of other domains called from inside join the caller's transaction (nested calls
    do not commit), so a request never leaves a half-done change behind.
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from caseflow.extensions import db
        session = db.session
        if session.info.get("uow_depth"):
            session.info["uow_depth"] += 1
            try:
                return fn(*args, **kwargs)
            finally:
                session.info["uow_depth"] -= 1
        session.info["uow_depth"] = 1
        try:
            result = fn(*args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info["uow_depth"] = 0
    return wrapper
