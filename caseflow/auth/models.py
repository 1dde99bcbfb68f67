"""Organisations (enforcement bodies) and users with their roles."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.auth.roles import ALL_ROLES, IMPLIED_ROLES
from caseflow.db import Base
from caseflow.timeutil import local_now

ORG_LEVELS = {"province": "省级", "city": "市级", "county": "县级"}


class Organisation(Base):
    """An enforcement body (医疗保障局) in the province → city → county hierarchy."""
    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint("level IN ('province', 'city', 'county')", name="level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str] = mapped_column(String(30))
    doc_prefix: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    case_number_pattern: Mapped[str] = mapped_column(String(80), default="{prefix}医保立〔{year}〕{n}号")
    simplified_number_pattern: Mapped[str] = mapped_column(String(80), default="{prefix}医保简〔{year}〕{n}号")
    # the jurisdiction profile of caseflow/rules/data/profiles.yaml whose thresholds and benchmarks apply
    rules_profile: Mapped[str] = mapped_column(String(20), default="national", server_default="national")
    # what documents print about the organisation (address, reconsideration body, court, payee accounts)
    # and per-type number patterns: caseflow.documents.context.ORG_SETTINGS
    document_settings: Mapped[dict] = mapped_column(JSON, default=dict)

    parent: Mapped["Organisation | None"] = relationship(remote_side=[id])

    @property
    def level_label(self) -> str:
        return ORG_LEVELS[self.level]


class User(Base):
    """A user of the system. Users are deactivated, never deleted (their acts stay attributable)."""
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("credential_valid_until IS NULL OR credential_no IS NOT NULL", name="credential"),
        CheckConstraint("failed_logins >= 0", name="failed_logins"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    credential_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    credential_valid_from: Mapped[date | None] = mapped_column(Date)
    credential_valid_until: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)

    organisation: Mapped[Organisation] = relationship()
    role_rows: Mapped[list["UserRole"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def roles(self) -> set[str]:
        held = {r.role for r in self.role_rows}
        for role in list(held):
            held |= IMPLIED_ROLES.get(role, set())
        return held

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def credential_valid_on(self, day: date) -> bool:
        """True when the officer holds an enforcement credential (执法证) valid on `day` (行政处罚法 Art. 42)."""
        if not self.credential_no or not self.credential_valid_until:
            return False
        start_ok = self.credential_valid_from is None or self.credential_valid_from <= day
        return start_ok and day <= self.credential_valid_until


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role", name="user_role"),
        CheckConstraint("role IN (%s)" % ", ".join(f"'{r}'" for r in ALL_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20))
