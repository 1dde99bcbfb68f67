"""Keeping the search index in step with cases, documents and evidence.

The writers call a hook inside their own transaction (no commit here), so the index never shows a state
that was rolled back: `refresh_case` after a case is created or acted on (state, facts, officers),
`refresh_document` when a document is issued, `refresh_evidence` when an item is registered. Each rewrites
one row from the current data. `reindex_all` rebuilds everything (`flask caseflow search-reindex`).

What is deliberately NOT indexed (spec §8): the reporter's identity and the clue's summary (which may
quote the reporter) — confidential documents (举报笔录 and any other type marked `confidential`) are left
out whole, so no snippet can show a reporter to someone who may not see them. Patient-level evidence is
indexed but flagged `restricted`; the queries show it only to users who may see it. Drafts are not
indexed: a document is found once it is issued (its frozen fields), a correction once it is issued too.
"""
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import delete, func, select, update

from caseflow.auth.models import User
from caseflow.cases.models import Case, CaseOfficer
from caseflow.documents.models import Document
from caseflow.evidence.models import Evidence
from caseflow.extensions import db
from caseflow.search.models import SearchEntry
from caseflow.search.tokens import index_text
from caseflow.timeutil import local_now

MAX_BODY = 20000  # characters of one entry's text; PostgreSQL keeps word positions up to 16,383 only

# facts that hold the case's own words (decision content, intended penalty …) worth finding again
TEXT_FACTS = ("onsite_summary", "facts", "legal_basis", "place", "notice_intended_penalty", "proposed_content",
              "proposed_receiving_authority")
FINE_FACTS = ("proposed_fine_amount", "fine_amount", "served_notice_fine_amount", "notice_fine_amount")
REFUND_FACTS = ("proposed_refund_amount", "refund_amount", "served_notice_refund_amount", "notice_refund_amount")


def _amount(facts: dict, keys) -> Decimal | None:
    for key in keys:
        value = facts.get(key)
        if value in (None, ""):
            continue
        try:
            return Decimal(str(value)).quantize(Decimal("0.01"))
        except InvalidOperation:
            continue
    return None


def case_fine(case) -> Decimal | None:
    """The case's fine (罚款金额): the decided or proposed fine, else the one in the prior notice."""
    return _amount(case.facts or {}, FINE_FACTS)


def _flatten(value) -> list[str]:
    """Every plain string or number inside a JSON value, in order."""
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _flatten(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _flatten(v)]
    text = str(value).strip()
    return [text] if text else []


def _join(parts) -> str:
    return "\n".join(p for p in (str(x).strip() for x in parts if x not in (None, "")) if p)[:MAX_BODY]


def state_label(workflow: str, state: str) -> str:
    definition = current_app.extensions["caseflow_workflows"].get(workflow)
    return definition.state_label(state) if definition and state in definition.states else state


def case_text(case) -> str:
    facts = case.facts or {}
    parts = [case.case_number, case.title, f"案由：{case.cause}"]
    if case.party is not None:
        parts += [f"当事人：{case.party.name}", case.party.credit_code]
    officers = db.session.execute(
        select(User.name).join(CaseOfficer, CaseOfficer.user_id == User.id)
        .where(CaseOfficer.case_id == case.id, CaseOfficer.active.is_(True)).order_by(CaseOfficer.id)).scalars().all()
    if officers:
        parts.append("承办人员：" + "、".join(officers))
    if case.organisation is not None:
        parts.append(case.organisation.name)
    parts.append(f"状态：{state_label(case.workflow, case.state)}")
    for item in (facts.get("assessment") or {}).get("items") or []:
        parts.append(f"{item.get('title', '')} {'、'.join(item.get('basis') or [])} 金额 {item.get('amount', '')} 元")
    for key in TEXT_FACTS:
        parts += _flatten(facts.get(key))
    fine, refund = case_fine(case), _amount(facts, REFUND_FACTS)
    if fine is not None:
        parts.append(f"罚款 {fine} 元")
    if refund is not None:
        parts.append(f"责令退回 {refund} 元")
    return _join(parts)


def document_title(doc: Document) -> str:
    return f"{doc.title} {doc.number}" if doc.number else doc.title


def document_text(doc: Document) -> str:
    """The document's own fields as frozen at issue (not the whole case context its template also shows)."""
    fields = (doc.snapshot or {}).get("f") if doc.snapshot else None
    return _join([document_title(doc), *_flatten(fields if fields is not None else doc.data)])


def evidence_title(item: Evidence) -> str:
    return f"证据{item.seq}：{item.title}"


def evidence_text(item: Evidence) -> str:
    return _join([evidence_title(item), item.type_label, item.obtained_label, item.description,
                  f"来源：{item.source}", f"地点：{item.collected_place}", *_flatten(item.violations)])


def _confidential_keys() -> set[str]:
    return {doc_type.key for doc_type in current_app.extensions["caseflow_documents"] if doc_type.confidential}


def _row(case, kind, ref_id, title, body, restricted=False, fine=None) -> dict:
    return {"case_id": case.id, "organisation_id": case.organisation_id, "kind": kind, "ref_id": ref_id,
            "title": title[:200], "body": body, "tokens": index_text(body), "restricted": restricted,
            "fine_amount": fine}


def _case_row(case, fine) -> dict:
    return _row(case, "case", case.id, case.title, case_text(case), fine=fine)


def _document_row(doc: Document, fine) -> dict | None:
    if doc.status == "draft" or doc.key in _confidential_keys():
        return None
    return _row(doc.case, "document", doc.id, document_title(doc), document_text(doc), fine=fine)


def _evidence_row(item: Evidence, fine) -> dict:
    return _row(item.case, "evidence", item.id, evidence_title(item), evidence_text(item),
                restricted=bool(item.patient_level), fine=fine)


def _upsert(row: dict) -> dict | None:
    """Insert or update one row; returns the values it had before (None: it is new)."""
    entry = db.session.execute(select(SearchEntry).where(SearchEntry.kind == row["kind"],
                                                         SearchEntry.ref_id == row["ref_id"])).scalar_one_or_none()
    if entry is None:
        db.session.add(SearchEntry(**row, updated_at=local_now()))
        return None
    before = {key: getattr(entry, key) for key in row}
    changed = False
    for key, value in row.items():
        if getattr(entry, key) != value:
            setattr(entry, key, value)
            changed = True
    if changed:
        entry.updated_at = local_now()
    return before


def _remove(kind: str, ref_id: int) -> None:
    db.session.execute(delete(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.ref_id == ref_id))


# The writers' hooks: each runs inside the caller's transaction and flushes, never commits.

def refresh_case(case) -> None:
    """The case's own row (number, state, officers, facts …); a changed fine is copied to every row of the
    case, for the amount filter."""
    if case.id is None:
        db.session.flush()
    fine = case_fine(case)
    before = _upsert(_case_row(case, fine))
    if before is not None and before["fine_amount"] != fine:
        db.session.execute(update(SearchEntry).where(SearchEntry.case_id == case.id, SearchEntry.kind != "case")
                           .values(fine_amount=fine).execution_options(synchronize_session=False))
    db.session.flush()


def refresh_document(doc: Document) -> None:
    """An issued document: its row, and the row of the document it supersedes goes."""
    row = _document_row(doc, case_fine(doc.case))
    if row is None:
        return
    _upsert(row)
    if doc.supersedes_id:
        _remove("document", doc.supersedes_id)
    db.session.flush()


def refresh_evidence(item: Evidence) -> None:
    _upsert(_evidence_row(item, case_fine(item.case)))
    db.session.flush()


def case_entries(case) -> list[dict]:
    """Every index row of one case, as plain values: the case, its issued documents (the latest revision of
    each), its evidence."""
    fine = case_fine(case)
    rows = [_case_row(case, fine)]
    docs = db.session.execute(select(Document).where(Document.case_id == case.id, Document.status != "draft")
                              .order_by(Document.id)).scalars().all()
    superseded = {d.supersedes_id for d in docs if d.supersedes_id}
    rows += [row for row in (_document_row(d, fine) for d in docs if d.id not in superseded) if row is not None]
    items = db.session.execute(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.seq)).scalars()
    rows += [_evidence_row(item, fine) for item in items]
    return rows


def reindex_all(progress=None) -> int:
    """Rebuild the whole index, case by case; `progress(n)` is told after each case. Returns the number of
    cases indexed. Runs in the caller's transaction."""
    db.session.execute(delete(SearchEntry))
    ids = db.session.execute(select(Case.id).order_by(Case.id)).scalars().all()
    now = local_now()
    for n, case_id in enumerate(ids, 1):
        db.session.add_all(SearchEntry(**row, updated_at=now) for row in case_entries(db.session.get(Case, case_id)))
        db.session.flush()
        if n % 200 == 0:
            db.session.expire_all()
        if progress:
            progress(1)
    return len(ids)


def entry_count() -> int:
    return db.session.execute(select(func.count(SearchEntry.id))).scalar_one()
