"""Jurisdiction profiles an administrator entered (added, or replacing a shipped one) without code changes."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.db import Base
from caseflow.timeutil import local_now


class JurisdictionProfile(Base):
    __tablename__ = "jurisdiction_profiles"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    definition: Mapped[dict] = mapped_column(JSON)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=local_now, onupdate=local_now)
