"""Writes on investigation records: opening one, changing it while open (fields, questions and answers),
and completing it — which checks everything a real record needs and, in one transaction, issues its
document (D10 询问笔录 / D11 现场检查笔录), registers it as evidence with the same officers, time and place,
links record, document and evidence, and writes the audit event. Each public function is one transaction.
"""
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import func, select

from caseflow.archive.access_log import open_archived_material
from caseflow.audit import services as audit
from caseflow.auth.models import User
from caseflow.auth.roles import OFFICER
from caseflow.cases.access import can_view, is_assigned
from caseflow.db import unit_of_work
from caseflow.documents import services as documents
from caseflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caseflow.evidence import services as evidence_services
from caseflow.evidence.models import Evidence, EvidenceAttachment
from caseflow.extensions import db
from caseflow.parties.validators import InvalidIdentifier, validate_id_number
from caseflow.records.models import (DOCUMENT_KEYS, MEDIA_PURPOSES, NOTICES, RECORD_KINDS, InvestigationRecord,
                                     RecordMedia, RecordOfficer)
from caseflow.records.schemas import QaSchema, RecordOpenSchema, RecordPatchSchema
from caseflow.schemas import load_or_raise
from caseflow.timeutil import local_now

# Records are made while the case is under investigation (spec §3.3: 调查取证); the workflow's state.
RECORD_STATES = ("investigating",)
INQUIRY_ONLY = ("interviewee", "others_present", "qa", "corrections")
INSPECTION_ONLY = ("present", "witness", "scope", "findings", "refusal_note")
# what a linked file may be (spec §9.1: audio and video of the act; an inspection's photos and videos)
MEDIA_TYPES = {"recording": {"mp4", "mov", "mp3", "wav", "m4a"}, "index": {"jpeg", "png", "tiff", "mp4", "mov"}}
QA_OPS = ("add", "edit", "delete", "up", "down")
TEXT_FIELDS = ("place", "others_present", "witness", "notice_answer", "corrections", "scope", "findings",
               "refusal_note")


@dataclass
class Completed:
    record: InvestigationRecord
    notices: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- permissions and loading

def can_read(user, record: InvestigationRecord) -> bool:
    return can_view(user, record.case)


def can_write(user, case) -> bool:
    """Making records: who may register the case's evidence (its heads and assigned officers), while the
    case is under investigation."""
    return case.state in RECORD_STATES and evidence_services.can_write(user, case)


def _require_writable(actor, case):
    if case.state not in RECORD_STATES:
        from caseflow.workflow.engine import definition_for
        label = definition_for(case).state_label(case.state)
        raise Conflict(f"笔录只能在调查取证阶段制作、修改和完成（案件当前为「{label}」）", {"state": case.state})
    if not evidence_services.can_write(actor, case):
        raise Forbidden("您不能制作本案的笔录（限本单位负责人和本案承办人员）")


def _lock_case(case_id: int, actor):
    from caseflow.workflow.engine import lock_case
    case = lock_case(case_id)
    if not can_view(actor, case):
        raise NotFound("案件不存在或您无权查看")
    return case


def get_record(actor, record_id: int) -> InvestigationRecord:
    record = db.session.get(InvestigationRecord, record_id)
    if record is None or not can_read(actor, record):
        raise NotFound("笔录不存在或您无权查看")
    # a record's questions and answers are case material: on an archived case the archive's gate applies
    open_archived_material(actor, record.case, "document_preview", f"笔录#{record.id} {record.title}")
    return record


def case_records(case_id: int) -> list[InvestigationRecord]:
    return list(db.session.execute(select(InvestigationRecord).where(InvestigationRecord.case_id == case_id)
                                   .order_by(InvestigationRecord.kind, InvestigationRecord.seq)).scalars())


def _load_for_change(record_id: int, version, actor) -> InvestigationRecord:
    record = get_record(actor, record_id)
    case = _lock_case(record.case_id, actor)
    stmt = select(InvestigationRecord).where(InvestigationRecord.id == record_id)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    record = db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()
    if record.completed:
        raise Conflict(f"「{record.title}」已完成，不得修改；如需补充或更正，请制作补充笔录", {"status": record.status})
    _require_writable(actor, case)
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise Conflict("缺少或无效的版本号：请刷新页面后重试", {"version": "required"})
    if version != record.version:
        raise Conflict(f"该笔录已被他人修改（您看到的是第 {version} 版，当前为第 {record.version} 版），请刷新后重试",
                       {"current_version": record.version, "your_version": version})
    return record


# ---------------------------------------------------------------- opening and changing

@unit_of_work
def open_record(case_id: int, data: dict, actor) -> InvestigationRecord:
    """Open a record. Without a list of officers the case's assigned officers are proposed; the notice
    read out is copied from NOTICES so the record keeps the words used that day."""
    clean = load_or_raise(RecordOpenSchema(), data or {}, what="笔录内容")
    case = _lock_case(case_id, actor)
    _require_writable(actor, case)
    kind = clean.pop("kind")
    supplements = _supplemented(case, kind, clean.pop("supplements_id", None))
    seq = (db.session.execute(select(func.max(InvestigationRecord.seq)).where(
        InvestigationRecord.case_id == case.id, InvestigationRecord.kind == kind)).scalar() or 0) + 1
    record = InvestigationRecord(case_id=case.id, kind=kind, seq=seq, status="open", version=1,
                                 supplements_id=supplements.id if supplements else None,
                                 notice_text=NOTICES[kind]["text"], notice_basis=NOTICES[kind]["basis"],
                                 credentials_shown=False, recusal_requested=False, qa=[], pages=[],
                                 created_by_id=actor.id)
    if supplements is not None:
        _copy_people(record, supplements)
    db.session.add(record)
    db.session.flush()
    if "officers" not in clean:
        clean["officers"] = [o.user_id for o in case.active_officers()] if supplements is None \
            else [o.user_id for o in supplements.officers]
    _apply(record, case, clean, actor)
    db.session.flush()
    what = f"（补充第{supplements.seq}份{RECORD_KINDS[kind]}）" if supplements else ""
    audit.record("RECORD_OPENED", f"{actor.name}制作{record.title}{what}", actor=actor, case=case,
                 after={"record_id": record.id, "kind": kind, "seq": seq, "supplements_id": record.supplements_id})
    return record


def _supplemented(case, kind: str, record_id: int | None) -> InvestigationRecord | None:
    """A supplementary record (补充询问) refers to a completed record of the same case and kind: it is how
    a completed record is corrected or completed, never by editing it."""
    if record_id is None:
        return None
    first = db.session.get(InvestigationRecord, record_id)
    if first is None or first.case_id != case.id or first.kind != kind:
        raise ValidationFailed("补充笔录只能补充本案同一种类的笔录", {"supplements_id": "所补充的笔录不存在或种类不同"})
    if not first.completed:
        raise ValidationFailed(f"「{first.title}」尚未完成，请直接修改该笔录", {"supplements_id": "所补充的笔录尚未完成"})
    return first


def _copy_people(record: InvestigationRecord, first: InvestigationRecord):
    record.interviewee = dict(first.interviewee or {}) or None
    record.present = dict(first.present or {}) or None
    record.place = first.place


@unit_of_work
def update_record(record_id: int, data: dict, actor) -> InvestigationRecord:
    """Change an open record; `data` carries the version the user saw and the fields to replace."""
    clean = load_or_raise(RecordPatchSchema(), data or {}, what="笔录内容")
    record = _load_for_change(record_id, clean.pop("version"), actor)
    changed = _apply(record, record.case, clean, actor)
    record.version += 1
    db.session.flush()
    audit.record("RECORD_UPDATED", f"{actor.name}修改{record.title}", actor=actor, case=record.case,
                 after={"record_id": record.id, "fields": changed, "version": record.version})
    return record


@unit_of_work
def change_qa(record_id: int, version, op: str, index: int | None, row: dict | None, actor) -> InvestigationRecord:
    """One change of the questions and answers: add a row at the end, edit, delete or move row `index`."""
    record = _load_for_change(record_id, version, actor)
    if record.kind != "inquiry":
        raise ValidationFailed("现场检查笔录没有问答", {"qa": "现场检查笔录没有问答"})
    if op not in QA_OPS:
        raise ValidationFailed("未知的问答操作", {"op": "应为 add、edit、delete、up 或 down"})
    rows = [dict(r) for r in record.qa or []]
    if op != "add" and (index is None or not 0 <= index < len(rows)):
        raise ValidationFailed("所选问答不存在，请刷新后重试", {"index": "所选问答不存在"})
    if op in ("add", "edit"):
        clean = load_or_raise(QaSchema(), row or {}, what="问答")
        clean = {"q": clean["q"].strip(), "a": clean["a"].strip()}
        if not clean["q"]:
            raise ValidationFailed("请填写「问」", {"q": "请填写「问」"})
        if op == "add":
            rows.append(clean)
        else:
            rows[index] = clean
    elif op == "delete":
        rows.pop(index)
    else:
        other = index - 1 if op == "up" else index + 1
        if 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
    record.qa = rows
    record.version += 1
    db.session.flush()
    audit.record("RECORD_UPDATED", f"{actor.name}修改{record.title}的问答", actor=actor, case=record.case,
                 after={"record_id": record.id, "fields": ["qa"], "op": op, "index": index, "version": record.version})
    return record


def _apply(record: InvestigationRecord, case, clean: dict, actor) -> list[str]:
    """Write the given fields on an open record; refuse fields of the other kind and files or officers
    that are not the case's. Returns the names of the fields written."""
    wrong = INSPECTION_ONLY if record.kind == "inquiry" else INQUIRY_ONLY
    foreign = {k: f"{RECORD_KINDS[record.kind]}没有此项" for k in clean if k in wrong}
    if foreign:
        raise ValidationFailed(f"{RECORD_KINDS[record.kind]}没有这些内容：{'、'.join(foreign)}", foreign)
    problems = {}
    for name in TEXT_FIELDS:
        if name in clean:
            setattr(record, name, (clean[name] or "").strip() or None)
    for name in ("started_at", "ended_at", "recorder_id"):
        if name in clean:
            setattr(record, name, clean[name])
    for name in ("credentials_shown", "recusal_requested"):
        if name in clean:
            setattr(record, name, bool(clean[name]))
    for name in ("interviewee", "present"):
        if name in clean:
            person, problem = _person(clean[name] or {}, name)
            problems.update(problem)
            setattr(record, name, person)
    if "qa" in clean:
        record.qa = [{"q": (r["q"] or "").strip(), "a": (r["a"] or "").strip()} for r in clean["qa"]
                     if (r["q"] or "").strip() or (r["a"] or "").strip()]
    if "pages" in clean:
        record.pages = [{"page": n, "signed": bool(p["signed"]),
                         "reason": None if p["signed"] else ((p.get("reason") or "").strip() or None),
                         "witness": None if p["signed"] else ((p.get("witness") or "").strip() or None)}
                        for n, p in enumerate(clean["pages"], start=1)]
    if "officers" in clean:
        problems.update(_set_officers(record, case, clean["officers"]))
    if "media" in clean:
        problems.update(_set_media(record, case, clean["media"], actor))
    if problems:
        raise ValidationFailed("笔录内容有误：" + "；".join(problems.values()), problems)
    return sorted(clean)


def _person(values: dict, prefix: str) -> tuple[dict | None, dict]:
    person = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    person = {k: v for k, v in person.items() if v not in (None, "")}
    problems = {}
    if person.get("id_number"):
        try:
            person["id_number"] = validate_id_number(person["id_number"])
        except InvalidIdentifier as exc:
            problems[f"{prefix}.id_number"] = str(exc)
    return person or None, problems


def _set_officers(record, case, user_ids: list[int]) -> dict:
    ids = list(dict.fromkeys(user_ids))
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()} if ids else {}
    bad = [str(uid) for uid in ids if uid not in users or users[uid].organisation_id != case.organisation_id
           or not users[uid].has_role(OFFICER)]
    if bad:
        return {"officers": f"人员编号 {'、'.join(bad)} 不是本单位执法人员"}
    record.officers.clear()
    db.session.flush()  # the old rows go before the new ones come (one row per officer)
    record.officers.extend(RecordOfficer(user_id=uid, credential_no=users[uid].credential_no) for uid in ids)
    return {}


def _set_media(record, case, rows: list[dict], actor) -> dict:
    """Link files of the case's evidence: the audio or video of the whole act (spec §9.1) and the photos
    and videos an inspection's index lists. Each must be a file of this case the user may see, of a kind
    that fits its use."""
    problems, media, seen = {}, [], set()
    for n, row in enumerate(rows):
        attachment = db.session.get(EvidenceAttachment, row["attachment_id"])
        item = attachment.evidence if attachment is not None else None
        if item is None or item.case_id != case.id or not evidence_services.can_read(actor, item):
            problems[f"media.{n}.attachment_id"] = f"第 {n + 1} 行：所选文件不是本案证据的附件"
            continue
        if attachment.id in seen:
            problems[f"media.{n}.attachment_id"] = f"第 {n + 1} 行：文件「{attachment.original_name}」重复"
            continue
        if attachment.detected_type not in MEDIA_TYPES[row["purpose"]]:
            problems[f"media.{n}.attachment_id"] = (f"第 {n + 1} 行：「{attachment.original_name}」是"
                                                    f"{attachment.file_type.label}，不能作为{MEDIA_PURPOSES[row['purpose']]}")
            continue
        seen.add(attachment.id)
        media.append(RecordMedia(attachment_id=attachment.id, position=len(media) + 1, purpose=row["purpose"],
                                 content=row["content"].strip(), taken=(row.get("taken") or "").strip() or None))
    if problems:
        return problems
    record.media.clear()
    db.session.flush()  # the old rows go before the new ones come (one row per file)
    record.media.extend(media)
    return {}


# ---------------------------------------------------------------- completion

def completion_problems(record: InvestigationRecord, case) -> dict:
    """Everything a real record needs, each problem under its field (Chinese)."""
    p = {}
    kind_word = "询问" if record.kind == "inquiry" else "检查"
    if not record.place:
        p["place"] = f"请填写{kind_word}地点"
    now = local_now()
    if record.started_at is None:
        p["started_at"] = f"请填写{kind_word}开始时间"
    elif record.started_at > now:
        p["started_at"] = "开始时间不能晚于现在"
    elif case.filed_on and record.started_at.date() < case.filed_on:
        p["started_at"] = f"开始时间不能早于立案日期 {case.filed_on.isoformat()}"
    if record.ended_at is None:
        p["ended_at"] = f"请填写{kind_word}结束时间"
    elif record.ended_at > now:
        p["ended_at"] = "结束时间不能晚于现在"
    elif record.started_at is not None and record.ended_at <= record.started_at:
        p["ended_at"] = "结束时间应晚于开始时间"
    p.update(_officer_problems(record, case))
    if not record.credentials_shown:
        p["credentials_shown"] = "执法人员须向被询问人或在场人员出示执法证件（《行政处罚法》第五十五条）"
    if not record.notice_answer:
        p["notice_answer"] = "请记录对告知事项（权利义务、申请回避）的回答"
    recusal = _recusal_problem(record, case)
    if recusal:
        p["recusal_requested"] = recusal
    p.update(_page_problems(record))
    if record.kind == "inquiry":
        p.update(_inquiry_problems(record))
    else:
        p.update(_inspection_problems(record))
    return p


def _officer_problems(record, case) -> dict:
    """At least two officers assigned to the case, each an active officer of the organisation with a
    credential valid that day and not recused (行政处罚法 第四十二条、第五十五条; the same rule as the
    evidence collectors and the workflow's proposed_officers_qualified guard)."""
    from caseflow.workflow.guards import proposed_officers_qualified
    ids = [o.user_id for o in record.officers]
    on = (record.started_at or local_now()).date()
    problems = proposed_officers_qualified(SimpleNamespace(case=case, data={"officers": ids}, today=on))
    problems = [problems] if isinstance(problems, str) else list(problems or [])
    problems += [f"{o.user.name} 不是本案承办人员" for o in record.officers if not is_assigned(o.user, case)]
    result = {}
    if problems:
        result["officers"] = "；".join(problems).replace("承办执法人员", "在场执法人员")
    if record.recorder_id is None:
        result["recorder_id"] = "请选择记录人"
    elif record.recorder_id not in ids:
        result["recorder_id"] = "记录人应为在场的执法人员之一"
    return result


def _recusal_problem(record, case) -> str | None:
    """A recusal asked for during the act must be decided before the record is completed (行政处罚法
    第四十三条: the head decides; the investigation goes on meanwhile, but the record states the request
    and cannot be closed on an undecided one). ⚠ The spec does not say how a record must wait for the
    decision; blocking completion is the conservative reading."""
    if not record.recusal_requested:
        return None
    requests = [r for r in case.recusals if r.kind == "request"]
    if not requests:
        return "被询问人（在场人员）申请回避：请先在案件的「回避」中登记回避申请，负责人作出决定后再完成笔录（《行政处罚法》第四十三条）"
    pending = [r for r in case.recusals if r.status == "pending"]
    if pending:
        return "回避申请尚未决定：负责人作出回避决定后才能完成笔录（《行政处罚法》第四十三条）"
    return None


def _page_problems(record) -> dict:
    pages = record.pages or []
    if not pages:
        return {"pages": "请记录逐页签名情况（被询问人或在场人员应逐页核对签名，《行政处罚法》第五十五条）"}
    missing = [str(p["page"]) for p in pages if not p["signed"] and not (p.get("reason") and p.get("witness"))]
    if missing:
        return {"pages": f"第 {'、'.join(missing)} 页拒绝签名：须注明拒签理由和见证人"}
    return {}


INTERVIEWEE_REQUIRED = {"name": "被询问人姓名", "sex": "性别", "id_number": "身份证件号码",
                        "employer": "工作单位及职务", "phone": "联系电话", "address": "住址",
                        "relationship": "与当事人关系"}


def _inquiry_problems(record) -> dict:
    p = {}
    person = record.interviewee or {}
    for key, label in INTERVIEWEE_REQUIRED.items():
        if not person.get(key):
            p[f"interviewee.{key}"] = f"请填写「{label}」"
    if person.get("speaks_for_party") is None:
        p["interviewee.speaks_for_party"] = "请选择被询问人是否代表当事人陈述（决定证据种类：当事人陈述或证人证言）"
    rows = record.qa or []
    if not rows:
        p["qa"] = "请记录询问的问答（至少一问一答）"
    else:
        unanswered = [str(n) for n, r in enumerate(rows, start=1) if not r.get("q") or not r.get("a")]
        if unanswered:
            p["qa"] = f"第 {'、'.join(unanswered)} 问的问或答为空"
    return p


def _inspection_problems(record) -> dict:
    p = {}
    present = record.present or {}
    if present.get("name"):
        if not present.get("position"):
            p["present.position"] = "请填写在场人员的职务及与当事人的关系"
    elif not record.witness:
        p["witness"] = "当事人无人在场的，应当邀请见证人到场并记录其姓名、工作单位和身份证件号码"
    refused = any(not pg["signed"] for pg in record.pages or [])
    if refused and not record.refusal_note:
        p["refusal_note"] = "在场人员拒绝签名的，请记录拒签情况"
    if not record.scope:
        p["scope"] = "请填写检查内容"
    if not record.findings:
        p["findings"] = "请填写检查情况（客观记录现场发现的事实）"
    return p


@unit_of_work
def complete(record_id: int, version, actor) -> Completed:
    """Complete an open record: on any problem nothing is written; otherwise the document is drafted from
    the record and issued, the record is registered as evidence, the three are linked, one audit event."""
    record = _load_for_change(record_id, version, actor)
    case = record.case
    problems = completion_problems(record, case)
    if problems:
        raise ValidationFailed(f"「{record.title}」尚不能完成：" + "；".join(problems.values()), problems)
    for row in record.officers:  # the credential number shown that day, as it stands now
        row.credential_no = row.user.credential_no
    db.session.flush()
    key = DOCUMENT_KEYS[record.kind]
    doc = documents.create_draft_in_transaction(case, key, actor, trigger="record", data=document_data(record),
                                                quiet=True)
    documents.issue_in_transaction(doc, actor, strict=True, at=record.ended_at, quiet=True)
    item = evidence_services.register_evidence(case.id, evidence_data(record), actor)
    record.status, record.document_id, record.evidence_id = "completed", doc.id, item.id
    record.completed_by_id, record.completed_at = actor.id, local_now().replace(microsecond=0)
    record.version += 1
    db.session.flush()
    audit.record("RECORD_COMPLETED", f"{actor.name}完成{record.title}，生成「{doc.title}」并登记为证据{item.seq}",
                 actor=actor, case=case,
                 after={"record_id": record.id, "document_id": doc.id, "snapshot_sha256": doc.snapshot_sha256,
                        "evidence_id": item.id, "evidence_seq": item.seq, "qa_count": len(record.qa or []),
                        "media": [m.attachment.sha256 for m in record.media]})
    notices = []
    if not any(m.purpose == "recording" for m in record.media):
        notices.append("本笔录未关联全过程音像记录（执法全过程记录，《行政处罚法》第四十七条）")
    return Completed(record, notices)


# ---------------------------------------------------------------- what completion produces

def _clock(value: datetime | None) -> str:
    return f"{value.hour}时{value.minute:02d}分" if value else ""


def _officer_names(record) -> str:
    return "、".join(o.user.name for o in record.officers)


def document_data(record: InvestigationRecord) -> dict:
    """The D10 / D11 field values taken from the record (document_templates/*/meta.yaml)."""
    common = {"start_time": _clock(record.started_at), "end_time": _clock(record.ended_at), "place": record.place,
              "recorder": record.recorder.name if record.recorder else "",
              # the officers who attended and showed credentials, not every officer assigned to the case
              "present_officers": [{"name": o.user.name, "credential_no": o.credential_no or ""}
                                   for o in record.officers]}
    day = record.started_at.date().isoformat() if record.started_at else None
    if record.kind == "inquiry":
        person = record.interviewee or {}
        corrections = record.corrections or ""
        if record.supplements_id:
            first = record.supplements
            on = first.started_at
            lead = f"本笔录为对{first.title}（{on.year}年{on.month}月{on.day}日）的补充。"
            corrections = f"{lead}{corrections}" if corrections else lead
        return {**common, "inquired_on": day,
                "others_present": record.others_present or "",
                "interviewee_name": person.get("name"), "interviewee_sex": person.get("sex"),
                "interviewee_id_number": person.get("id_number"), "interviewee_employer": person.get("employer"),
                "interviewee_phone": person.get("phone"), "interviewee_address": person.get("address"),
                "relationship": person.get("relationship"), "recusal_answer": record.notice_answer,
                "qa": [{"q": r["q"], "a": r["a"]} for r in record.qa or []], "corrections": corrections or None}
    present = record.present or {}
    refusal = record.refusal_note or ""
    refused = [p for p in record.pages or [] if not p["signed"]]
    if refused:
        pages = "；".join(f"第{p['page']}页拒签（{p['reason']}，见证人{p['witness']}）" for p in refused)
        refusal = f"{refusal}\n{pages}" if refusal else pages
    return {**common, "inspected_on": day,
            "present_name": present.get("name") or "", "present_position": present.get("position") or "",
            "present_id_number": present.get("id_number") or "", "present_phone": present.get("phone") or "",
            "witness": record.witness or "", "notice_answer": record.notice_answer, "scope": record.scope,
            "findings": record.findings, "media": [media_row(m) for m in record.media],
            "refusal_note": refusal or None}


def media_row(m: RecordMedia) -> dict:
    a = m.attachment
    return {"ref": f"证据{a.evidence.seq}：{a.original_name}（SHA-256 {a.sha256[:12]}）", "kind": a.file_type.label,
            "content": m.content, "taken": m.taken or ""}


def evidence_data(record: InvestigationRecord) -> dict:
    """The evidence item a completed record becomes: 当事人陈述 when the interviewee speaks for the party,
    证人证言 otherwise; 现场笔录 for an inspection (行政处罚法 第四十六条)."""
    case = record.case
    if record.kind == "inquiry":
        person = record.interviewee or {}
        evidence_type = "party_statement" if person.get("speaks_for_party") else "testimony"
        title = f"{record.title}（被询问人{person.get('name')}）"
        source = f"被询问人{person.get('name')}（{person.get('relationship')}）"
        description = f"询问{len(record.qa)}问，由{_officer_names(record)}询问，{record.recorder.name}记录。"
        obtained_by = "questioning"
    else:
        present = record.present or {}
        evidence_type = "inspection_record"
        title = f"{record.title}（{case.party.name}）"
        source = f"现场检查，在场人员{present['name']}（{present.get('position')}）" if present.get("name") \
            else f"现场检查，见证人{record.witness}"
        description = f"检查内容：{record.scope}；照片、录像 {len(record.media)} 项。由{_officer_names(record)}检查。"
        obtained_by = "onsite_inspection"
    if record.supplements_id:
        first = db.session.get(Evidence, record.supplements.evidence_id)
        description += f"补充证据{first.seq}「{first.title}」。"
    return {"evidence_type": evidence_type, "title": title[:200], "description": description[:5000],
            "obtained_by": obtained_by, "source": source[:200],
            "collected_at": record.started_at.isoformat(timespec="minutes"), "collected_place": record.place,
            "collected_by": [o.user_id for o in record.officers], "violations": []}
