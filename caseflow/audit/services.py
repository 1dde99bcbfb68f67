"""Writing and verifying the hash-chained audit trail.

Events are appended in the caller's transaction; the chain head row is locked (SELECT … FOR UPDATE on
PostgreSQL, the database write lock on SQLite) so concurrent transactions append one after another.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from flask import g, has_request_context, request
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from caseflow.audit.models import AuditChainHead, AuditEvent
from caseflow.extensions import db
from caseflow.timeutil import now_local

GENESIS_HASH = "0" * 64
VERIFY_BATCH = 1000
HASHED_FIELDS = ("seq", "occurred_at", "actor_id", "actor_name", "organisation_id", "case_id", "code",
                 "summary", "before", "after", "reason", "request_id", "client_addr", "prev_hash")


def _jsonable(value):
    return json.loads(json.dumps(value, default=str, ensure_ascii=False)) if value is not None else None


def canonical_content(event: AuditEvent) -> bytes:
    content = {}
    for name in HASHED_FIELDS:
        value = getattr(event, name)
        if isinstance(value, datetime):
            value = value.isoformat(timespec="microseconds")
        content[name] = value
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical_content(event)).hexdigest()


def _chain_head() -> AuditChainHead:
    """The chain head, locked until commit. The insert, a no-op once the head exists, creates it for the
    very first event without a race, and on SQLite takes the database write lock before the head is read
    (SQLite has no FOR UPDATE), so concurrent appends queue instead of reading the same tip."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(AuditChainHead).values(id=1, last_seq=0, last_hash=GENESIS_HASH)
                       .on_conflict_do_nothing())
    return db.session.execute(select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()


def record(code: str, summary: str, *, actor=None, case=None, organisation_id=None, before=None, after=None,
           reason=None) -> AuditEvent:
    """Append one event to the chain inside the current transaction (the caller commits)."""
    request_id = client_addr = None
    if has_request_context():  # X-Request-ID comes from the client: cut to the column's 64 characters
        request_id = (getattr(g, "request_id", None) or "")[:64] or None
        client_addr = (request.remote_addr or "")[:64] or None
    if organisation_id is None:
        organisation_id = case.organisation_id if case is not None else getattr(actor, "organisation_id", None)
    db.session.flush()  # the audited change (and the case id) first, then lock the head: one lock order
    head = _chain_head()
    event = AuditEvent(
        seq=head.last_seq + 1,
        occurred_at=now_local().replace(tzinfo=None),
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "name", None),
        organisation_id=organisation_id,
        case_id=getattr(case, "id", None),
        code=code,
        summary=summary,
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason,
        request_id=request_id,
        client_addr=client_addr,
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event)
    head.last_seq = event.seq
    head.last_hash = event.hash
    db.session.add(event)
    db.session.flush()
    return event


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    problem: str | None = None


def verify_chain(progress=None) -> ChainReport:
    """Recompute every event's hash in order; report the first event that was edited, removed or moved.

    Plain rows are read in batches by seq: memory stays flat on a log of years, and SQLite is never held
    under one long read. The system may be in use: the head is read after the events, so a head ahead of
    them means either events appended meanwhile (read and checked too) or events removed from the end.
    """
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    while True:
        rows = _events_from(expected_seq, VERIFY_BATCH)
        if not rows:
            head = db.session.execute(select(AuditChainHead.last_seq, AuditChainHead.last_hash)
                                      .where(AuditChainHead.id == 1)).one_or_none()
            tip = tuple(head) if head is not None else (0, GENESIS_HASH)
            if tip == (expected_seq - 1, expected_prev):
                return ChainReport(True, checked)
            if tip[0] >= expected_seq:
                if _events_from(expected_seq, 1):
                    continue  # appended while we read
                return ChainReport(False, checked, expected_seq, None,
                                   f"链尾记录至第 {tip[0]} 号事件，第 {expected_seq} 号起的事件缺失（末尾事件被删除）")
            return ChainReport(False, checked, min(tip[0] + 1, expected_seq - 1), None,
                               f"链尾记录（第 {tip[0]} 号事件）与最后一个事件不符（末尾事件被改写，或链尾之后被添加了事件）")
        for event in rows:
            if progress:
                progress(1)
            if event.seq != expected_seq:
                return ChainReport(False, checked, event.seq, event.id,
                                   f"序号不连续：应为 {expected_seq}，实为 {event.seq}（事件被删除或移动）")
            if event.prev_hash != expected_prev:
                return ChainReport(False, checked, event.seq, event.id, "前一事件哈希不符（事件被删除、插入或调换）")
            if event_hash(event) != event.hash:
                return ChainReport(False, checked, event.seq, event.id, "内容哈希不符（事件内容被篡改）")
            expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1


def _events_from(seq: int, limit: int) -> list:
    table = AuditEvent.__table__
    stmt = select(table).where(table.c.seq >= seq).order_by(table.c.seq).limit(limit)
    return db.session.execute(stmt).all()
