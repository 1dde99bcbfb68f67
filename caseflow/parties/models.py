"""Parties (当事人) of enforcement cases."""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.db import Base
from caseflow.timeutil import local_now

PARTY_KINDS = {
    "institution": "定点医疗机构",
    "pharmacy": "定点零售药店",
    "insured": "参保人员",
    "agency": "经办机构",
    "other": "其他",
}
ORGANISATION_KINDS = ("institution", "pharmacy", "agency")


class Party(Base):
    """A party. Organisations carry a 统一社会信用代码 (GB 32100); persons a 身份证号 (GB 11643)."""
    __tablename__ = "parties"
    __table_args__ = (
        CheckConstraint("kind IN ('institution', 'pharmacy', 'insured', 'agency', 'other')", name="kind"),
        CheckConstraint("kind NOT IN ('institution', 'pharmacy', 'agency') OR credit_code IS NOT NULL",
                        name="org_credit_code"),
        CheckConstraint("kind <> 'insured' OR id_number IS NOT NULL", name="person_id_number"),
        CheckConstraint("credit_code IS NOT NULL OR id_number IS NOT NULL", name="identified"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    legal_representative: Mapped[str | None] = mapped_column(String(40))
    id_number: Mapped[str | None] = mapped_column(String(18))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)

    @property
    def kind_label(self) -> str:
        return PARTY_KINDS[self.kind]

    @property
    def is_person(self) -> bool:
        return self.credit_code is None
