"""Writes on documents: drafts, issuing (number, frozen snapshot, PDF and hashes), corrections, service
(送达回证), pre-numbered on-the-spot forms. Each public function is one transaction with its audit event;
the `*_in_transaction` helpers join the caller's (a workflow transition's) transaction."""
import hashlib
import json
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from caseflow.audit import services as audit
from caseflow.auth.roles import ARCHIVIST, HEAD, LEGAL_REVIEWER, OFFICER
from caseflow.cases.access import can_act_on, can_see_reporter, can_view, is_assigned
from caseflow.cases.models import Case
from caseflow.cases.numbering import next_number
from caseflow.db import unit_of_work
from caseflow.documents import context as ctxmod
from caseflow.documents.models import SERVICE_METHODS, Document, DocumentService, OnsiteForm
from caseflow.documents.rendering import get_renderer
from caseflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caseflow.extensions import db
from caseflow.schemas import jsonable
from caseflow.search import indexing as search_index
from caseflow.storage import get_store
from caseflow.timeutil import local_now, today

PUBLIC_NOTICE_DAYS = 30  # 民事诉讼法 第九十五条: deemed served thirty days after the notice is issued
LOCKED_STATES = ("archived",)


def catalogue():
    return current_app.extensions["caseflow_documents"]


# ---------------------------------------------------------------- reads used by the writes

def case_documents(case_id: int) -> list[Document]:
    return list(db.session.execute(select(Document).where(Document.case_id == case_id)
                                   .order_by(Document.id)).scalars())


def superseded_ids(docs) -> set[int]:
    return {d.supersedes_id for d in docs if d.supersedes_id and d.status != "draft"}


def effective(case_id: int, key: str) -> Document | None:
    """The latest issued document of `key` on the case that no issued correction has replaced."""
    docs = case_documents(case_id)
    gone = superseded_ids(docs)
    issued = [d for d in docs if d.key == key and d.status != "draft" and d.id not in gone]
    return issued[-1] if issued else None


def open_draft(case_id: int, key: str) -> Document | None:
    return db.session.execute(select(Document).where(Document.case_id == case_id, Document.key == key,
                                                     Document.status == "draft")
                              .order_by(Document.id.desc())).scalars().first()


def documents_map(case_id: int) -> dict:
    """{key: {title, number, issued_on, served_on}} of the case's effective issued documents."""
    docs = case_documents(case_id)
    gone = superseded_ids(docs)
    result = {}
    for d in docs:
        if d.status != "draft" and d.id not in gone:
            result[d.key] = {"title": d.title, "number": d.number or "",
                             "issued_on": d.issued_at.date().isoformat() if d.issued_at else None,
                             "served_on": d.served_on.isoformat() if d.served_on else None}
    return result


# ---------------------------------------------------------------- permissions

def can_edit(user, case, doc_type=None) -> bool:
    """Drafting and issuing: the organisation's heads and legal reviewers, its archivists for archive
    documents, and the officers assigned to the case. Nothing on an archived case (immutable)."""
    if case.state in LOCKED_STATES or not can_act_on(user, case):
        return False
    if user.has_role(HEAD, LEGAL_REVIEWER):
        return True
    if user.has_role(ARCHIVIST) and doc_type is not None and doc_type.stage == "归档":
        return True
    # before filing no officer is assigned yet: the officer who registered the clue works on it
    return user.has_role(OFFICER) and (is_assigned(user, case) or (not case.officers and case.created_by_id == user.id))


def can_read(user, doc: Document) -> bool:
    case = doc.case
    if not can_view(user, case):
        return False
    doc_type = catalogue()[doc.key]
    return not doc_type.confidential or can_see_reporter(user, case)


def _load(doc_id: int, actor, for_update=False) -> Document:
    doc = db.session.get(Document, doc_id, with_for_update=for_update and _pg())
    if doc is None or not can_read(actor, doc):
        raise NotFound("文书不存在")
    return doc


def _pg() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _check_version(doc: Document, version):
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise Conflict("缺少或无效的版本号：请刷新页面后重试", {"version": "required"})
    if version != doc.version:
        raise Conflict(f"该文书已被他人修改（您看到的是第 {version} 版，当前为第 {doc.version} 版），请刷新后重试",
                       {"current_version": doc.version, "your_version": version})


def _require_editable(actor, case, doc_type):
    if case.state in LOCKED_STATES:
        raise Conflict("案件已归档，案卷内的文书不得再修改")
    if not can_edit(actor, case, doc_type):
        raise Forbidden("您不能办理本案的文书（限本单位负责人、法制审核人员和本案承办人员）")


# ---------------------------------------------------------------- context and rendering

def build_context(doc: Document) -> dict:
    """The template context of a document now: case data taken fresh, the document's own values."""
    case = doc.case
    doc_type = catalogue()[doc.key]
    ctx = ctxmod.case_context(case, documents_map(case.id))
    ctx["approval"] = ctxmod.approval_context(doc.approval)
    ctx["related"] = _related(doc)
    if doc_type.confidential:
        ctx["reporter"] = _reporter(case)
    ctx["f"] = {f.name: (doc.data or {}).get(f.name) for f in doc_type.fields}
    return ctx


def _related(doc: Document) -> dict | None:
    other = doc.served_document or doc.supersedes
    if other is None:
        return None
    return {"title": other.title, "number": other.number or "",
            "issued_on": other.issued_at.date().isoformat() if other.issued_at else None}


def _reporter(case) -> dict | None:
    from caseflow.clues.models import ReporterIdentity
    if case.clue_id is None:
        return None
    r = db.session.execute(select(ReporterIdentity).where(ReporterIdentity.clue_id == case.clue_id)).scalar_one_or_none()
    if r is None:
        return None
    return {"name": r.name or "", "id_number": r.id_number or "", "phone": r.phone or "",
            "address": getattr(r, "address", None) or "", "real_name": bool(r.real_name),
            "channel": case.clue.source_label, "reward_eligible": bool(r.real_name)}


def _supersedes_context(doc: Document) -> dict | None:
    old = doc.supersedes
    if old is None:
        return None
    return {"title": old.title, "number": old.number or "",
            "issued_on": old.issued_at.date().isoformat() if old.issued_at else None,
            "reason": doc.correction_reason or ""}


def preview_html(doc: Document, screen=True) -> str:
    """A draft as it would print (watermarked); an issued document from its frozen snapshot."""
    renderer = get_renderer()
    doc_type = catalogue()[doc.key]
    if doc.status == "draft":
        ctx = build_context(doc)
        ctx["doc"] = ctxmod.doc_context(doc_type, renderer, number=doc.number, revision=doc.revision, draft=True,
                                        supersedes=_supersedes_context(doc))
    else:
        ctx = snapshot_context(doc)
    return renderer.html(doc.key, ctx, screen=screen)


def snapshot_context(doc: Document) -> dict:
    renderer = get_renderer()
    ctx = json.loads(json.dumps(doc.snapshot))
    code = doc.verification_code
    ctx["doc"]["verify_url"] = renderer.verify_url(code)
    ctx["doc"]["qr"] = renderer.qr_svg(code)
    return ctx


def preview_pdf(doc: Document) -> bytes:
    if doc.status != "draft":
        return pdf_bytes(doc)
    return get_renderer().pdf(preview_html(doc, screen=False))


def pdf_bytes(doc: Document) -> bytes:
    """The stored PDF of an issued document; rendered from its snapshot and stored on first use when it
    was issued with deferred rendering."""
    if doc.pdf_sha256 is None:
        ensure_pdf(doc.id)  # the same identity-mapped object: set here, reloaded after a commit
    return get_store().get_bytes(doc.pdf_sha256)


@unit_of_work
def ensure_pdf(doc_id: int) -> Document:
    doc = db.session.get(Document, doc_id, with_for_update=_pg())
    if doc.pdf_sha256 is None:
        _render_and_store(doc)
    return doc


def _render_and_store(doc: Document):
    doc_type = catalogue()[doc.key]
    if doc.template_version != doc_type.version:
        raise Conflict(f"文书「{doc.title}」按模板第 {doc.template_version} 版签发，当前模板为第 {doc_type.version} 版，"
                       "不能按新模板补生成 PDF")
    renderer = get_renderer()
    pdf = renderer.pdf(renderer.html(doc.key, snapshot_context(doc)), identifier=doc.snapshot_sha256)
    doc.pdf_sha256 = get_store().put_bytes(pdf)
    doc.pdf_size = len(pdf)


# ---------------------------------------------------------------- field validation

def clean_fields(doc_type, data: dict) -> dict:
    from caseflow.documents.schemas import schema_for
    from caseflow.schemas import load_or_raise
    return load_or_raise(schema_for(doc_type), data or {}, what="文书内容")


def _missing_required(doc_type, data: dict) -> dict:
    missing = {}
    for f in doc_type.fields:
        value = (data or {}).get(f.name)
        if f.required and (value is None or value == "" or value == []):
            missing[f.name] = f"请填写「{f.label}」"
    return missing


# ---------------------------------------------------------------- drafts

def create_draft_in_transaction(case, key, actor, trigger=None, approval=None, data=None, related=None,
                                quiet=False) -> Document:
    """A new draft prefilled from the case. `quiet`: inside a workflow act, whose own audit event records
    the documents it produced (one act, one event)."""
    doc_type = catalogue()[key]
    ctx = ctxmod.case_context(case, documents_map(case.id))
    ctx["approval"] = ctxmod.approval_context(approval)
    values = ctxmod.prefill(doc_type, ctx)
    if data:
        values.update({k: v for k, v in data.items() if doc_type.field(k)})
    doc = Document(case_id=case.id, organisation_id=case.organisation_id, key=key, title=doc_type.title,
                   template_version=doc_type.version, status="draft", revision=1,
                   data=jsonable(values), created_by_trigger=trigger, created_by_id=actor.id,
                   approval_id=approval.id if approval is not None else None,
                   served_document_id=related.id if related is not None else None)
    db.session.add(doc)
    db.session.flush()
    if quiet:
        return doc
    audit.record("DOCUMENT_DRAFTED", f"{actor.name}生成文书草稿「{doc_type.title}」", actor=actor, case=case,
                 after={"document_id": doc.id, "key": key, "trigger": trigger})
    return doc


@unit_of_work
def new_draft(case_id: int, key: str, actor) -> Document:
    case = db.session.get(Case, case_id)
    if case is None or not can_view(actor, case):
        raise NotFound("案件不存在")
    if key not in catalogue():
        raise ValidationFailed("未知的文书种类", {"key": "未知的文书种类"})
    doc_type = catalogue()[key]
    _require_editable(actor, case, doc_type)
    if doc_type.confidential and not can_see_reporter(actor, case):
        raise Forbidden("举报人信息保密：您不能制作该文书")
    if key == "onsite_decision" or key == "service_receipt":
        raise ValidationFailed(f"「{doc_type.title}」由系统在办理相应环节时生成", {"key": "由系统生成"})
    if not doc_type.multiple:
        existing = open_draft(case.id, key)
        if existing is not None:
            raise Conflict(f"本案已有「{doc_type.title}」草稿，请直接编辑", {"document_id": existing.id})
    return create_draft_in_transaction(case, key, actor)


@unit_of_work
def update_draft(doc_id: int, version, data: dict, actor) -> Document:
    doc = _load(doc_id, actor, for_update=True)
    doc_type = catalogue()[doc.key]
    _require_editable(actor, doc.case, doc_type)
    if doc.status != "draft":
        raise Conflict("文书已签发，不得修改；如需更正，请制作更正文书", {"status": doc.status})
    _check_version(doc, version)
    clean = clean_fields(doc_type, data)
    before = dict(doc.data or {})
    doc.data = {**before, **jsonable(clean)}
    db.session.flush()
    changed = sorted(k for k in clean if before.get(k) != doc.data.get(k))
    audit.record("DOCUMENT_UPDATED", f"{actor.name}修改文书草稿「{doc.title}」", actor=actor, case=doc.case,
                 before={"document_id": doc.id, "data": {k: before.get(k) for k in changed}},
                 after={"document_id": doc.id, "data": {k: doc.data.get(k) for k in changed}})
    return doc


@unit_of_work
def delete_draft(doc_id: int, version, actor) -> None:
    doc = _load(doc_id, actor, for_update=True)
    _require_editable(actor, doc.case, catalogue()[doc.key])
    if doc.status != "draft":
        raise Conflict("已签发的文书不得删除")
    _check_version(doc, version)
    audit.record("DOCUMENT_DRAFT_DELETED", f"{actor.name}删除文书草稿「{doc.title}」", actor=actor, case=doc.case,
                 before={"document_id": doc.id, "key": doc.key, "data": doc.data})
    db.session.delete(doc)


# ---------------------------------------------------------------- issuing

def _org_settings_missing(case) -> list[str]:
    settings = case.organisation.document_settings or {}
    return [ctxmod.ORG_SETTINGS[k] for k in ctxmod.REQUIRED_FOR_EXTERNAL if not settings.get(k)]


def issue_in_transaction(doc: Document, actor, strict=True, number: str | None = None, at=None,
                         quiet=False) -> Document:
    """Freeze a draft: allocate its number (gap-free per organisation, type and year), take the data
    snapshot and its SHA-256 and verification code, render and store the PDF (unless deferred)."""
    doc_type = catalogue()[doc.key]
    case = doc.case
    if doc.status != "draft":
        raise Conflict("文书已签发")
    if strict:
        missing = _missing_required(doc_type, doc.data)
        if missing:
            raise ValidationFailed("文书尚有必填内容未填写：" + "；".join(missing.values()), missing)
    if doc_type.external:
        missing = _org_settings_missing(case)
        if missing:
            raise ValidationFailed("本单位的文书设置不完整（" + "、".join(missing) + "），请管理员在「单位管理」中补充后再签发",
                                   {"organisation": missing})
    now = (at or local_now()).replace(microsecond=0)  # a transition issues on its act date
    _refill_from_case(doc, doc_type)
    if number is not None:
        doc.number = number
    elif doc_type.numbering:
        year = now.year
        series = f"文书:{doc_type.numbering}"
        n = next_number(case.organisation_id, series, year)
        doc.number = ctxmod.number_for(doc_type, case.organisation, year, n)
        doc.number_series, doc.number_year, doc.number_seq = series, year, n
    ctx = build_context(doc)
    # the document's id makes every snapshot (and so its verification code) unique, even for two identical
    # unnumbered documents issued in the same second
    ctx["doc"] = {"id": doc.id, "key": doc_type.key, "code": doc_type.code, "title": doc_type.title,
                  "number": doc.number or "",
                  "revision": doc.revision, "external": doc_type.external, "paged": doc_type.paged,
                  "issued_at": now.isoformat(timespec="seconds"), "issued_on": now.date().isoformat(),
                  "draft": False, "watermark": "", "supersedes": _supersedes_context(doc),
                  "template_version": doc_type.version}
    canonical = json.dumps(ctx, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    doc.snapshot_sha256 = hashlib.sha256(canonical.encode()).hexdigest()
    doc.verification_code = ctxmod.verification_code(doc.snapshot_sha256)
    ctx["doc"]["verification_code"] = doc.verification_code
    doc.snapshot = json.loads(canonical)
    doc.snapshot["doc"]["verification_code"] = doc.verification_code
    doc.template_version = doc_type.version
    doc.status, doc.issued_at, doc.issued_by_id = "issued", now, actor.id
    db.session.flush()
    if current_app.config.get("RENDER_ON_ISSUE", True):
        _render_and_store(doc)
        db.session.flush()
    search_index.refresh_document(doc)
    if quiet:
        return doc
    audit.record("DOCUMENT_ISSUED", f"{actor.name}签发「{doc.title}」{doc.number or ''}", actor=actor, case=case,
                 after={"document_id": doc.id, "key": doc.key, "number": doc.number,
                        "snapshot_sha256": doc.snapshot_sha256, "pdf_sha256": doc.pdf_sha256,
                        "supersedes_id": doc.supersedes_id})
    return doc


def _refill_from_case(doc: Document, doc_type):
    """Fields still empty take their case value now (e.g. the decision date set by the approval that
    issues the decision); what the officer wrote is kept."""
    empty = [f for f in doc_type.fields if f.source and (doc.data or {}).get(f.name) in (None, "", [])]
    if not empty:
        return
    ctx = ctxmod.case_context(doc.case, documents_map(doc.case_id))
    ctx["approval"] = ctxmod.approval_context(doc.approval)
    values = {f.name: ctxmod.resolve(f.source, ctx) for f in empty}
    doc.data = {**(doc.data or {}), **jsonable({k: v for k, v in values.items() if v not in (None, "", [])})}


@unit_of_work
def issue(doc_id: int, version, actor) -> Document:
    doc = _load(doc_id, actor, for_update=True)
    doc_type = catalogue()[doc.key]
    _require_editable(actor, doc.case, doc_type)
    _check_version(doc, version)
    if doc.key == "onsite_decision":
        raise ValidationFailed("当场行政处罚决定书在「当场作出行政处罚决定」时签发", {"key": "由系统签发"})
    return issue_in_transaction(doc, actor)


@unit_of_work
def correct(doc_id: int, reason: str, actor) -> Document:
    """A correction: a new draft revision that, once issued, supersedes the old document (both kept)."""
    doc = _load(doc_id, actor, for_update=True)
    doc_type = catalogue()[doc.key]
    _require_editable(actor, doc.case, doc_type)
    if doc.status == "draft":
        raise Conflict("草稿可以直接修改，无需更正")
    from caseflow.records.models import InvestigationRecord
    if db.session.execute(select(InvestigationRecord.id).where(InvestigationRecord.document_id == doc.id)).first():
        # what the person heard signed page by page is never rewritten (行政处罚法 第五十五条)
        raise Conflict("该笔录由调查笔录生成，经被询问人或在场人员签名确认，不能更正；如需补充或更正，请制作补充笔录")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请说明更正理由", {"reason": "请说明更正理由"})
    docs = case_documents(doc.case_id)
    if doc.id in superseded_ids(docs) or any(d.supersedes_id == doc.id for d in docs):
        raise Conflict("该文书已有更正文书（或更正草稿），请在最新版本上办理")
    new = Document(case_id=doc.case_id, organisation_id=doc.organisation_id, key=doc.key, title=doc.title,
                   template_version=doc_type.version, status="draft", revision=doc.revision + 1,
                   supersedes_id=doc.id, correction_reason=reason, data=dict(doc.data or {}),
                   created_by_trigger="correction", created_by_id=actor.id, approval_id=doc.approval_id,
                   served_document_id=doc.served_document_id)
    db.session.add(new)
    db.session.flush()
    audit.record("DOCUMENT_CORRECTION_DRAFTED", f"{actor.name}制作「{doc.title}」{doc.number or ''}的更正文书",
                 actor=actor, case=doc.case, after={"document_id": new.id, "supersedes_id": doc.id}, reason=reason)
    return new


# ---------------------------------------------------------------- service (送达)

def effective_service_date(method: str, served_on: date) -> date:
    """Service takes effect on the receipt date; a public notice thirty days after it is issued
    (民事诉讼法 第八十七条、第九十一条、第九十五条; spec §3.11, S22)."""
    return served_on + timedelta(days=PUBLIC_NOTICE_DAYS) if method == "public_notice" else served_on


def consent_document(case_id: int) -> Document | None:
    """The party's signed e-service confirmation (电子送达确认书, 行政处罚法 第六十一条), if recorded."""
    return effective(case_id, "e_service_consent")


def service_problems(case, doc: Document | None, data: dict, doc_type=None) -> dict:
    problems = {}
    if doc is None:
        return {"document": "没有可送达的已签发文书"}
    if doc.status == "draft":
        problems["document"] = f"「{doc.title}」尚未签发，不能送达"
    elif doc.service is not None:
        problems["document"] = f"「{doc.title}」已于 {doc.service.served_on.isoformat()} 送达"
    if not catalogue()[doc.key].external:
        problems["document"] = f"「{doc.title}」是内部文书，无需送达"
    method = data.get("method")
    if method not in SERVICE_METHODS:
        problems["method"] = "请选择送达方式"
    if method == "electronic" and consent_document(case.id) is None:
        problems["method"] = "当事人未签署电子送达确认书，不得采用电子送达（《行政处罚法》第六十一条）"
    if method == "left_behind" and not (data.get("witness") or data.get("proof_sha256")):
        problems["witness"] = "留置送达须记明见证人或以拍照、录像方式记录（《民事诉讼法》第八十九条）"
    if method == "public_notice" and not data.get("public_notice_reason"):
        problems["public_notice_reason"] = "公告送达须在案卷中记明原因和经过（《民事诉讼法》第九十五条）"
    served_on = data.get("served_on")
    if not isinstance(served_on, date):
        problems["served_on"] = "请填写送达日期"
    elif served_on > today():
        problems["served_on"] = "送达日期不能晚于今天"
    elif doc.issued_at is not None and served_on < doc.issued_at.date():
        problems["served_on"] = "送达日期不能早于文书签发日期"
    if not (data.get("recipient") or "").strip():
        problems["recipient"] = "请填写受送达人或签收人"
    return problems


def serve_in_transaction(doc: Document, data: dict, actor, at=None, quiet=False) -> DocumentService:
    """Record the service of an issued external document and issue its 送达回证."""
    case = doc.case
    problems = service_problems(case, doc, data)
    if problems:
        raise ValidationFailed("；".join(problems.values()), problems)
    method, served_on = data["method"], data["served_on"]
    effective_on = effective_service_date(method, served_on)
    consent = consent_document(case.id) if method == "electronic" else None
    servers = "、".join(o.user.name for o in case.active_officers()) or actor.name
    receipt = create_draft_in_transaction(case, "service_receipt", actor, trigger="service", related=doc, quiet=quiet, data={
        "document_title": doc.title, "document_number": doc.number or "", "recipient": data["recipient"],
        "address": data.get("address") or case.party.address or "", "method": method,
        "served_on": served_on.isoformat(), "effective_on": effective_on.isoformat(),
        "witness": data.get("witness") or "", "servers": servers, "note": data.get("note") or "",
    })
    issue_in_transaction(receipt, actor, strict=False, at=at, quiet=quiet)
    service = DocumentService(
        document_id=doc.id, method=method, served_on=served_on, effective_on=effective_on,
        recipient=data["recipient"].strip(), witness=(data.get("witness") or None),
        address=data.get("address") or None, consent_document_id=consent.id if consent else None,
        public_notice_reason=data.get("public_notice_reason") or None, proof_sha256=data.get("proof_sha256"),
        proof_name=data.get("proof_name"), note=data.get("note") or None, receipt_document_id=receipt.id,
        recorded_by_id=actor.id)
    db.session.add(service)
    doc.status, doc.served_on = "served", effective_on
    db.session.flush()
    summary = f"{actor.name}登记「{doc.title}」{doc.number or ''}{SERVICE_METHODS[method]}（{served_on.isoformat()}）"
    if effective_on != served_on:
        summary += f"，视为于 {effective_on.isoformat()} 送达"
    if quiet:
        return service
    audit.record("DOCUMENT_SERVED", summary, actor=actor, case=case,
                 after={"document_id": doc.id, "method": method, "served_on": served_on.isoformat(),
                        "effective_on": effective_on.isoformat(), "receipt_document_id": receipt.id})
    return service


@unit_of_work
def serve(doc_id: int, version, data: dict, actor, proof: tuple[str, bytes] | None = None) -> DocumentService:
    """Service recorded from the documents panel (documents not served by a workflow step)."""
    from caseflow.documents.workflow_wiring import served_by_transition
    doc = _load(doc_id, actor, for_update=True)
    _require_editable(actor, doc.case, catalogue()[doc.key])
    _check_version(doc, version)
    step = served_by_transition(doc.case, doc.key)
    if step:
        raise Conflict(f"「{doc.title}」的送达请通过案件操作「{step}」登记", {"transition": step})
    from caseflow.documents.schemas import ServiceSchema
    from caseflow.schemas import load_or_raise
    clean = load_or_raise(ServiceSchema(), data or {})
    if proof is not None:
        name, content = proof
        if content:
            clean["proof_sha256"] = get_store().put_bytes(content)
            clean["proof_name"] = name[:200]
    return serve_in_transaction(doc, clean, actor)


# ---------------------------------------------------------------- pre-numbered on-the-spot forms

@unit_of_work
def register_onsite_forms(actor, prefix: str, first: int, last: int, width: int, batch: str) -> list[OnsiteForm]:
    if not actor.has_role(HEAD):
        raise Forbidden("登记预定格式决定书须由负责人办理")
    if first < 1 or last < first or last - first >= 1000:
        raise ValidationFailed("编号范围无效（每批至多 1000 份）", {"last": "编号范围无效"})
    numbers = [f"{prefix}{n:0{width}d}" for n in range(first, last + 1)]
    taken = set(db.session.execute(select(OnsiteForm.number).where(
        OnsiteForm.organisation_id == actor.organisation_id, OnsiteForm.number.in_(numbers))).scalars())
    if taken:
        raise Conflict(f"编号已登记：{'、'.join(sorted(taken)[:5])}", {"numbers": sorted(taken)})
    forms = [OnsiteForm(organisation_id=actor.organisation_id, number=n, batch=batch.strip() or prefix,
                        status="available", registered_by_id=actor.id) for n in numbers]
    db.session.add_all(forms)
    db.session.flush()
    audit.record("ONSITE_FORMS_REGISTERED", f"{actor.name}登记预定格式当场处罚决定书 {numbers[0]}—{numbers[-1]}（{len(numbers)} 份）",
                 actor=actor, after={"first": numbers[0], "last": numbers[-1], "count": len(numbers)})
    return forms


@unit_of_work
def void_onsite_form(form_id: int, reason: str, actor) -> OnsiteForm:
    form = db.session.get(OnsiteForm, form_id, with_for_update=_pg())
    if form is None or form.organisation_id != actor.organisation_id:
        raise NotFound("决定书编号不存在")
    if not actor.has_role(HEAD, OFFICER):
        raise Forbidden("您不能作废预定格式决定书")
    if form.status != "available":
        raise Conflict(f"该编号{form.status_label}，不能作废")
    if not (reason or "").strip():
        raise ValidationFailed("请说明作废原因（填写错误、污损等）", {"reason": "请说明作废原因"})
    form.status, form.void_reason, form.voided_by_id, form.voided_at = "voided", reason.strip(), actor.id, local_now()
    audit.record("ONSITE_FORM_VOIDED", f"{actor.name}作废预定格式决定书 {form.number}", actor=actor,
                 after={"number": form.number}, reason=reason.strip())
    return form


def available_onsite_form(organisation_id: int, number: str) -> OnsiteForm | None:
    stmt = select(OnsiteForm).where(OnsiteForm.organisation_id == organisation_id, OnsiteForm.number == number)
    if _pg():
        stmt = stmt.with_for_update()
    return db.session.execute(stmt).scalar_one_or_none()


# ---------------------------------------------------------------- verification of paper copies

def find_by_code(code: str) -> Document | None:
    code = (code or "").strip().upper().replace(" ", "")
    if len(code) == 10:
        code = f"{code[:5]}-{code[5:]}"
    return db.session.execute(select(Document).where(Document.verification_code == code)).scalar_one_or_none()


def matches(doc: Document, content: bytes) -> bool:
    pdf_bytes(doc)  # make sure the PDF (and so its hash) exists
    return hashlib.sha256(content).hexdigest() == doc.pdf_sha256
