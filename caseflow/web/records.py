"""Record pages: the case page's 笔录 panel, the form that opens a 询问笔录 or 现场检查笔录, and the record page
(its fields, the question-and-answer editor, the linked audio, video and photos, the preview of the document
it produces, and completion). Everything works as plain form posts; app.js only adds confirmations."""
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from caseflow.auth.roles import OFFICER
from caseflow.cases import services as cases
from caseflow.documents import services as documents
from caseflow.documents.models import Document
from caseflow.errors import DomainError, NotFound, ValidationFailed
from caseflow.evidence import queries as evidence_queries
from caseflow.extensions import db
from caseflow.records import services as records
from caseflow.records.models import DOCUMENT_KEYS, MEDIA_PURPOSES, RECORD_KINDS, SEXES
from caseflow.records.schemas import person_of
from caseflow.timeutil import local_now
from caseflow.web import presenters, web_bp
from caseflow.web.lookups import organisation_users

PERSON_FIELDS = {"interviewee": ("name", "sex", "id_number", "employer", "phone", "address", "relationship"),
                 "present": ("name", "position", "id_number", "phone")}
TEXT_FIELDS = {"inquiry": ("place", "others_present", "notice_answer", "corrections"),
               "inspection": ("place", "witness", "notice_answer", "scope", "findings", "refusal_note")}
PAGE_FIELDS = ("page_count", "refused_pages", "refusal_reason", "refusal_witness")
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


# ---- the case page's panel

@web_bp.app_template_global()
def records_panel(case_id: int) -> dict:
    """The case page's 笔录 section (included by cases/detail.html): the case's records, the ID numbers of
    the people heard masked, and the links that open new records for those who may make them."""
    case = cases.get_case(current_user, case_id)
    rows = [{"r": r, "person": person_of(r, masked=True)} for r in records.case_records(case.id)]
    return {"rows": rows, "can_write": records.can_write(current_user, case), "kinds": list(RECORD_KINDS.items()),
            "in_investigation": case.state in records.RECORD_STATES}


# ---- form values <-> service data

def _local(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M") if value else ""


def record_values(record) -> dict:
    """The flat form values of a record (field names as the service's error keys: interviewee.name …)."""
    v = {k: getattr(record, k) or "" for k in TEXT_FIELDS[record.kind]}
    v.update(started_at=_local(record.started_at), ended_at=_local(record.ended_at),
             officers=[str(o.user_id) for o in record.officers], recorder_id=str(record.recorder_id or ""),
             credentials_shown=record.credentials_shown, recusal_requested=record.recusal_requested)
    person_key = "interviewee" if record.kind == "inquiry" else "present"
    person = getattr(record, person_key) or {}
    for name in PERSON_FIELDS[person_key]:
        v[f"{person_key}.{name}"] = person.get(name) or ""
    if record.kind == "inquiry":
        speaks = person.get("speaks_for_party")
        v["interviewee.speaks_for_party"] = "" if speaks is None else ("true" if speaks else "false")
    pages = record.pages or []
    refused = [p for p in pages if not p["signed"]]
    v.update(page_count=str(len(pages)) if pages else "", refused_pages="、".join(str(p["page"]) for p in refused),
             refusal_reason=refused[0]["reason"] or "" if refused else "",
             refusal_witness=refused[0]["witness"] or "" if refused else "")
    return v


def _form_values(kind: str, form) -> dict:
    v = {k: form.get(k, "").strip() for k in TEXT_FIELDS[kind] + ("started_at", "ended_at", "recorder_id")}
    v["officers"] = form.getlist("officers")
    v["credentials_shown"] = form.get("credentials_shown") == "true"
    v["recusal_requested"] = form.get("recusal_requested") == "true"
    person_key = "interviewee" if kind == "inquiry" else "present"
    for name in PERSON_FIELDS[person_key]:
        v[f"{person_key}.{name}"] = form.get(f"{person_key}.{name}", "").strip()
    if kind == "inquiry":
        v["interviewee.speaks_for_party"] = form.get("interviewee.speaks_for_party", "")
    for name in PAGE_FIELDS:
        v[name] = form.get(name, "").strip()
    return v


def _digits(raw: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts 「²」 and the like, which int() refuses."""
    return raw.isascii() and raw.isdigit()


def _int(raw: str, name: str, label: str) -> int:
    if not _digits(raw):
        raise ValidationFailed(_("%(label)s选择无效", label=label), {name: _("%(label)s选择无效", label=label)})
    return int(raw)


def _service_data(kind: str, v: dict) -> dict:
    """The service's input from the form values; empty fields are sent as empty (they clear the field)."""
    data = {k: v[k] for k in TEXT_FIELDS[kind]}
    data["started_at"] = v["started_at"] or None
    data["ended_at"] = v["ended_at"] or None
    data["officers"] = [_int(raw, "officers", _("执法人员")) for raw in v["officers"]]
    data["recorder_id"] = _int(v["recorder_id"], "recorder_id", _("记录人")) if v["recorder_id"] else None
    data["credentials_shown"] = v["credentials_shown"]
    data["recusal_requested"] = v["recusal_requested"]
    person_key = "interviewee" if kind == "inquiry" else "present"
    person = {name: v[f"{person_key}.{name}"] for name in PERSON_FIELDS[person_key]}
    if kind == "inquiry":
        speaks = v["interviewee.speaks_for_party"]
        person["speaks_for_party"] = None if speaks == "" else speaks == "true"
    data[person_key] = person
    data["pages"] = _pages(v)
    return data


def _pages(v: dict) -> list[dict]:
    """Pages from the form: how many, which were refused (「2、3」), and the refusal's reason and witness."""
    if not v["page_count"]:
        return []
    if not _digits(v["page_count"]) or not 0 < int(v["page_count"]) <= 200:
        raise ValidationFailed(_("页数应为 1 到 200 的整数"), {"pages": _("页数应为 1 到 200 的整数")})
    count = int(v["page_count"])
    refused = set()
    for part in v["refused_pages"].replace("，", "、").replace(",", "、").split("、"):
        part = part.strip()
        if not part:
            continue
        if not _digits(part) or not 1 <= int(part) <= count:
            raise ValidationFailed(_("拒签页码应为 1 到 %(n)d 之间的页码，用「、」分隔", n=count),
                                   {"pages": _("拒签页码无效")})
        refused.add(int(part))
    return [{"signed": True} if n not in refused else
            {"signed": False, "reason": v["refusal_reason"], "witness": v["refusal_witness"]}
            for n in range(1, count + 1)]


def _officer_options(case, chosen: list[str]) -> dict:
    """The organisation's officers to tick as present, and the same officers to pick the recorder from."""
    officers = [{"id": u.id, "name": u.name, "credential": u.credential_no or _("无执法证"),
                 "checked": str(u.id) in chosen} for u in organisation_users({case.organisation_id}, OFFICER)]
    return {"officers": officers, "recorder_options": [(o["id"], o["name"]) for o in officers]}


def _media_options(case) -> list[dict]:
    """The files of the case's evidence this user may see, with their SHA-256 prefixes, to pick from."""
    items, _withheld = evidence_queries.visible_evidence(current_user, case)
    usable = records.MEDIA_TYPES["index"] | records.MEDIA_TYPES["recording"]
    return [(a.id, f"证据{e.seq}「{e.title}」：{a.original_name}（{a.file_type.label}，SHA-256 {a.sha256[:12]}）")
            for e in items for a in e.attachments if a.detected_type in usable]


# ---- opening a record

@web_bp.get("/cases/<int:case_id>/records/new")
def new_record(case_id):
    case = cases.get_case(current_user, case_id)
    kind = request.args.get("kind", "inquiry")
    if kind not in RECORD_KINDS:
        raise NotFound(_("未知的笔录种类"))
    values = {"officers": [str(o.user_id) for o in case.active_officers()], "place": "",
              "started_at": local_now().strftime("%Y-%m-%dT%H:%M")}
    supplements = request.args.get("supplements", "")
    return _render_new(case, kind, values=values, supplements=supplements if _digits(supplements) else "")


def _render_new(case, kind, status=200, values=None, errors=None, message="", supplements=""):
    return render_template("records/new.html", case=presenters.case_header(case), kind=kind,
                           kind_label=RECORD_KINDS[kind], values=values or {}, errors=errors or {}, message=message,
                           **_officer_options(case, (values or {}).get("officers", [])),
                           supplements=supplements, can_write=records.can_write(current_user, case),
                           sexes=[(s, s) for s in SEXES]), status


@web_bp.post("/cases/<int:case_id>/records")
def open_record(case_id):
    case = cases.get_case(current_user, case_id)
    kind = request.form.get("kind", "")
    if kind not in RECORD_KINDS:
        raise NotFound(_("未知的笔录种类"))
    values = _form_values(kind, request.form)
    supplements = request.form.get("supplements_id", "")
    try:
        data = {"kind": kind, **_service_data(kind, values)}
        if supplements:
            data["supplements_id"] = _int(supplements, "supplements_id", _("所补充的笔录"))
        record = records.open_record(case_id, data, current_user)
    except ValidationFailed as exc:
        return _render_new(cases.get_case(current_user, case_id), kind, exc.status, values, exc.details,
                           exc.message, supplements)
    flash(_("已开始制作%(title)s，请记录问答或检查情况，核对签名后完成", title=record.title), "success")
    return redirect(url_for("web.record_detail", case_id=case.id, record_id=record.id), 303)


# ---- the record page

def _case_and_record(case_id, record_id):
    case = cases.get_case(current_user, case_id)
    record = records.get_record(current_user, record_id)
    if record.case_id != case.id:
        raise NotFound(_("笔录不存在或您无权查看"))
    return case, record


def _render_record(case, record, status=200, errors=None, message="", values=None, form_name=""):
    editable = not record.completed and records.can_write(current_user, case)
    return render_template(
        "records/detail.html", case=presenters.case_header(case), record=record, kind=record.kind,
        person=person_of(record, masked=False), values=values or record_values(record), errors=errors or {},
        message=message, form_name=form_name, editable=editable, sexes=[(s, s) for s in SEXES],
        **_officer_options(case, (values or record_values(record))["officers"]),
        media_options=_media_options(case) if editable else [], purposes=list(MEDIA_PURPOSES.items()),
        media=[{"m": m, "row": records.media_row(m)} for m in record.media],
        can_write=records.can_write(current_user, case)), status


@web_bp.get("/cases/<int:case_id>/records/<int:record_id>")
def record_detail(case_id, record_id):
    case, record = _case_and_record(case_id, record_id)
    return _render_record(case, record)


@web_bp.post("/cases/<int:case_id>/records/<int:record_id>/save")
def save_record(case_id, record_id):
    case, record = _case_and_record(case_id, record_id)
    values = _form_values(record.kind, request.form)
    try:
        data = {"version": request.form.get("version"), **_service_data(record.kind, values)}
        records.update_record(record.id, data, current_user)
    except ValidationFailed as exc:
        case, record = _case_and_record(case_id, record_id)
        return _render_record(case, record, exc.status, exc.details, exc.message, values, "fields")
    flash(_("已保存"), "success")
    return redirect(url_for("web.record_detail", case_id=case_id, record_id=record_id), 303)


@web_bp.post("/cases/<int:case_id>/records/<int:record_id>/qa")
def edit_record_qa(case_id, record_id):
    """One change of the questions and answers: add, edit, delete, move up or down."""
    case, record = _case_and_record(case_id, record_id)
    raw = request.form.get("index", "")
    index = int(raw) if _digits(raw) else None
    row = {"q": request.form.get("q", ""), "a": request.form.get("a", "")}
    try:
        records.change_qa(record.id, request.form.get("version"), request.form.get("op", ""), index, row,
                          current_user)
    except ValidationFailed as exc:
        case, record = _case_and_record(case_id, record_id)
        return _render_record(case, record, exc.status, exc.details, exc.message, None, "qa")
    return redirect(url_for("web.record_detail", case_id=case_id, record_id=record_id, _anchor="qa"), 303)


@web_bp.post("/cases/<int:case_id>/records/<int:record_id>/media")
def edit_record_media(case_id, record_id):
    """Add one linked file (op=add) or remove row `index` (op=delete); the rest are kept as they are."""
    case, record = _case_and_record(case_id, record_id)
    rows = [{"attachment_id": m.attachment_id, "purpose": m.purpose, "content": m.content, "taken": m.taken}
            for m in record.media]
    op, raw = request.form.get("op", ""), request.form.get("index", "")
    try:
        if op == "add":
            rows.append({"attachment_id": _int(request.form.get("attachment_id", ""), "media", _("文件")),
                         "purpose": request.form.get("purpose", ""), "content": request.form.get("content", "").strip(),
                         "taken": request.form.get("taken", "").strip() or None})
        elif op == "delete" and _digits(raw) and int(raw) < len(rows):
            rows.pop(int(raw))
        else:
            raise ValidationFailed(_("所选行不存在，请刷新后重试"), {"media": _("所选行不存在")})
        records.update_record(record.id, {"version": request.form.get("version"), "media": rows}, current_user)
    except ValidationFailed as exc:
        case, record = _case_and_record(case_id, record_id)
        errors = {**exc.details, "media": exc.message}
        return _render_record(case, record, exc.status, errors, exc.message, None, "media")
    return redirect(url_for("web.record_detail", case_id=case_id, record_id=record_id, _anchor="media"), 303)


@web_bp.post("/cases/<int:case_id>/records/<int:record_id>/complete")
def complete_record(case_id, record_id):
    case, record = _case_and_record(case_id, record_id)
    try:
        if request.form.get("confirm") != "true":
            raise ValidationFailed(_("请先勾选确认：笔录已交被询问人（在场人员）核对签名，完成后不得修改"),
                                   {"confirm": _("请勾选确认")})
        done = records.complete(record.id, request.form.get("version"), current_user)
    except ValidationFailed as exc:
        case, record = _case_and_record(case_id, record_id)
        return _render_record(case, record, exc.status, exc.details, exc.message, None, "complete")
    flash(_("%(title)s已完成：已生成「%(doc)s」并登记为证据%(seq)d", title=done.record.title,
            doc=done.record.document.title, seq=done.record.evidence.seq), "success")
    for notice in done.notices:
        flash(notice, "warning")
    return redirect(url_for("web.record_detail", case_id=case_id, record_id=record_id), 303)


@web_bp.get("/cases/<int:case_id>/records/<int:record_id>/preview")
def record_preview(case_id, record_id):
    """The document the record produces: once completed, the issued document's own preview; while open,
    the record as the document would print it now, watermarked 草稿 (nothing is stored)."""
    case, record = _case_and_record(case_id, record_id)
    if record.document_id:
        return redirect(url_for("web.document_preview", case_id=case_id, doc_id=record.document_id), 303)
    key = DOCUMENT_KEYS[record.kind]
    draft = Document(key=key, title=documents.catalogue()[key].title, status="draft", revision=1,
                     data=records.document_data(record))
    draft.case = case  # transient: Document.case has no back-reference, so it never enters the session
    try:
        with db.session.no_autoflush:
            html = documents.preview_html(draft)
    except DomainError as exc:
        return _render_record(case, record, exc.status, exc.details, exc.message)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response
