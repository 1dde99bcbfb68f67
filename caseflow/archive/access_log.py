"""The access log of archived material: every opening of a document, an evidence file, the combined case
file or an export of an archived case — granted or refused — is one row: who, when, what, through which
channel (spec §3.13 "storage and access follow archive rules"; §8 "log every access"). The rows are
append-only: migration 0011 refuses UPDATE and DELETE on both backends."""
from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.archive import borrowing
from caseflow.archive.models import ArchiveRecord
from caseflow.auth.roles import ARCHIVIST, HEAD
from caseflow.cases.access import archive_material_basis, visible_cases_filter
from caseflow.cases.models import Case
from caseflow.cases.queries import Page
from caseflow.db import Base, unit_of_work
from caseflow.errors import Forbidden
from caseflow.extensions import db
from caseflow.timeutil import local_now

ACCESS_KINDS = {
    "document_pdf": "文书 PDF",
    "document_preview": "文书预览",
    "evidence_file": "证据附件",
    "case_file": "卷宗 PDF",
    "export": "档案包导出",
}
VIA = {"web": "网页", "api": "接口", "cli": "命令行"}
BASES = {"archivist": "档案管理员", "borrow": "借阅"}
REFUSED = ("本案已归档，卷宗材料仅限本单位档案管理员和借阅获批且在借阅期限内的人员查阅；"
           "如需查阅，请在案件档案页申请借阅")


def _in(column, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ArchiveAccess(Base):
    """One opening (or refused opening) of archived material."""
    __tablename__ = "archive_accesses"
    __table_args__ = (
        CheckConstraint(_in("kind", ACCESS_KINDS), name="kind"),
        CheckConstraint(_in("via", VIA), name="via"),
        CheckConstraint(f"basis IS NULL OR {_in('basis', BASES)}", name="basis"),
        # a granted access names its basis; a refused one names none
        CheckConstraint("(granted AND basis IS NOT NULL) OR (NOT granted AND basis IS NULL)", name="granted"),
        CheckConstraint("(basis = 'borrow' AND borrow_request_id IS NOT NULL) "
                        "OR (COALESCE(basis, '') <> 'borrow' AND borrow_request_id IS NULL)", name="borrow"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(200))
    via: Mapped[str] = mapped_column(String(3))
    granted: Mapped[bool] = mapped_column(Boolean)
    basis: Mapped[str | None] = mapped_column(String(10))
    borrow_request_id: Mapped[int | None] = mapped_column(ForeignKey("borrow_requests.id"))

    user = relationship("User")

    @property
    def kind_label(self) -> str:
        return ACCESS_KINDS[self.kind]

    @property
    def via_label(self) -> str:
        return VIA[self.via]

    @property
    def outcome_label(self) -> str:
        return f"准予（{BASES[self.basis]}）" if self.granted else "拒绝"


def current_via() -> str:
    if not has_request_context():
        return "cli"
    return "api" if request.blueprint == "api" else "web"


@unit_of_work
def record_access(user, case, what: str, ref: str, *, granted: bool = True, basis: str | None = "archivist",
                  borrow_request_id: int | None = None, via: str | None = None,
                  now: datetime | None = None) -> ArchiveAccess:
    """Append one row to the access log (its own transaction, so a refusal stays logged)."""
    row = ArchiveAccess(case_id=case.id, user_id=user.id, occurred_at=now or local_now(), kind=what,
                        ref=ref[:200], via=via or current_via(), granted=granted,
                        basis=basis if granted else None, borrow_request_id=borrow_request_id if granted else None)
    db.session.add(row)
    db.session.flush()
    return row


@unit_of_work
def _check_and_log(user, case, what, ref, via, now):
    borrowing.expire_overdue(case_id=case.id, now=now)  # a grant ends at approved_until, noticed here
    basis = archive_material_basis(user, case, now)
    if basis is None:
        record_access(user, case, what, ref, granted=False, via=via, now=now)
        return False
    kind, grant = basis
    record_access(user, case, what, ref, basis=kind, borrow_request_id=grant.id if grant else None,
                  via=via, now=now)
    return True


def open_archived_material(user, case, what: str, ref: str, *, via: str | None = None,
                           now: datetime | None = None) -> None:
    """The gate in front of every download of case material. Cases not yet archived follow the ordinary
    rules (nothing to do here). On an archived case only the organisation's archivists and holders of an
    unexpired borrowing grant pass; every attempt is logged, and a refusal raises Forbidden after its log
    row is committed."""
    if case.state != "archived":
        return
    if not _check_and_log(user, case, what, ref, via, now or local_now()):
        raise Forbidden(REFUSED, {"case_id": case.id, "borrow": "可申请借阅"})


def case_log(case_id: int, limit: int = 500) -> list[ArchiveAccess]:
    """The case's access log, newest first."""
    return list(db.session.execute(select(ArchiveAccess).where(ArchiveAccess.case_id == case_id)
                                   .order_by(ArchiveAccess.id.desc()).limit(limit)).scalars())


def visible_records(user, year: int | None = None, number: str | None = None, page: int = 1, per_page: int = 20):
    """The archive records of the archived cases `user` may see (the case list's scope), newest archive first,
    filtered by archive year and by a fragment of the archive or case number; paginated."""
    stmt = select(ArchiveRecord).join(Case, Case.id == ArchiveRecord.case_id).where(visible_cases_filter(user))
    if year:
        stmt = stmt.where(ArchiveRecord.archive_year == year)
    if number:
        pattern = "%" + number.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(ArchiveRecord.archive_no.like(pattern, escape="\\"),
                              Case.case_number.like(pattern, escape="\\")))
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.session.execute(stmt.order_by(ArchiveRecord.archived_at.desc(), ArchiveRecord.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).scalars()
    return Page(list(rows), total, page, per_page)


def can_see_log(user, case) -> bool:
    """The access log of a case: its organisation's archivists and heads."""
    return bool(user and user.is_active and user.organisation_id == case.organisation_id
                and user.has_role(ARCHIVIST, HEAD))
