"""The search index: one row per searchable thing (a case, an issued document, an evidence item) with its
plain text and its tokens (caseflow.search.tokens), kept in step by caseflow.search.indexing inside the
writer's transaction.

The full-text index over `tokens` is database-specific and built by migration 0009 (and by the DDL below
when a scratch database is made with create_all, as bench/search.py does): SQLite an external-content FTS5
table kept in sync by triggers, PostgreSQL a stored generated column tsv = to_tsvector('simple', tokens)
with a GIN index.
"""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (DDL, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, Numeric, String, Text,
                        UniqueConstraint, event)
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.db import Base
from caseflow.timeutil import local_now

KINDS = {"case": "案件", "document": "文书", "evidence": "证据"}


class SearchEntry(Base):
    __tablename__ = "search_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('case', 'document', 'evidence')", name="kind"),
        UniqueConstraint("kind", "ref_id", name="uq_search_entries_kind_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(10))
    ref_id: Mapped[int] = mapped_column(Integer)          # cases.id, documents.id or evidence_items.id
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)              # the plain text shown in snippets
    tokens: Mapped[str] = mapped_column(Text)            # what the full-text index reads
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)  # patient-level evidence (spec §8)
    fine_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # the case's fine, for the amount filter
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


SQLITE_DDL = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='search_entries', content_rowid='id', "
    "tokenize='unicode61')",
    "CREATE TRIGGER search_entries_fts_insert AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER search_entries_fts_delete AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER search_entries_fts_update AFTER UPDATE OF tokens ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
)
# PostgreSQL only: the tsvector is stored (a generated column, not mapped: SQLite has no such type), so
# neither the phrase recheck nor ts_rank_cd re-parses `tokens` for every candidate row.
POSTGRESQL_DDL = (
    "ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED",
    "CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)",
)

for _statement in SQLITE_DDL:
    event.listen(SearchEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_DDL:
    event.listen(SearchEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
event.listen(SearchEntry.__table__, "before_drop", DDL("DROP TABLE IF EXISTS search_fts").execute_if(dialect="sqlite"))
