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

from caseflow.audit.models import AuditChainHead, AuditEvent
from caseflow.extensions import db
from caseflow.timeutil import now_local

GENESIS_HASH = "0" * 64
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
    head = db.session.execute(
        select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditChainHead(id=1, last_seq=0, last_hash=GENESIS_HASH)
        db.session.add(head)
        db.session.flush()
    return head


def record(code: str, summary: str, *, actor=None, case=None, organisation_id=None, before=None, after=None,
           reason=None) -> AuditEvent:
    """Append one event to the chain inside the current transaction (the caller commits)."""
    request_id = client_addr = None
    if has_request_context():
        request_id = getattr(g, "request_id", None)
        client_addr = request.remote_addr
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
    """Recompute every event's hash in order; report the first event that was edited, removed or moved."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    rows = db.session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
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
    head = db.session.get(AuditChainHead, 1)
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != expected_prev):
        return ChainReport(False, checked, expected_seq, None, "链尾与最后一个事件不符（末尾事件被删除）")
    return ChainReport(True, checked)
