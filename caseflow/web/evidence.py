"""Evidence pages: the case page's 证据 panel (list and register form), one item (its files with upload
progress, its custody log and custody form), and downloads streamed from storage."""
from flask import flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from caseflow.archive.access_log import open_archived_material
from caseflow.auth.roles import OFFICER
from caseflow.cases import services as cases
from caseflow.errors import DomainError, NotFound, ValidationFailed
from caseflow.evidence import queries, sniffing
from caseflow.evidence import services as evidence
from caseflow.evidence.models import CUSTODY_KINDS, EVIDENCE_TYPES, OBTAINED_BY
from caseflow.evidence.services import logged_name
from caseflow.timeutil import local_now
from caseflow.web import presenters, web_bp
from caseflow.web.lookups import organisation_users

REGISTER_FIELDS = ("evidence_type", "title", "description", "obtained_by", "source", "collected_at",
                   "collected_place")
CUSTODY_FIELDS = ("kind", "occurred_at", "place", "counterparty", "reason")
DOWNLOAD_CSP = "sandbox; default-src 'none'"


# ---- the case page's panel and the register form

def panel(case) -> dict:
    """The case page's 证据 section: the items this user may see (patient-level ones only for the roles on
    the case), and the register form for those who may register evidence."""
    items, withheld = queries.visible_evidence(current_user, case)
    rows = [{"ev": e, "files": len(e.attachments), "custody": e.custody[-1].kind_label if e.custody else ""}
            for e in items]
    can_write = evidence.can_write(current_user, case)
    return {"rows": rows, "withheld": withheld, "can_write": can_write, "archived": case.state == "archived",
            "form": register_form(case) if can_write else None}


def register_form(case, values: dict | None = None, errors: dict | None = None) -> dict:
    values = values or {}
    chosen = {str(v) for v in values.get("collected_by", [])}
    assigned = {o.user_id for o in case.active_officers()}
    officers = [{"id": u.id, "name": u.name, "credential": u.credential_no or _("无执法证"),
                 "checked": str(u.id) in chosen if values else u.id in assigned}
                for u in organisation_users({case.organisation_id}, OFFICER)]
    picked = set(values.get("violations", []))
    return {"types": list(EVIDENCE_TYPES.items()), "methods": list(OBTAINED_BY.items()), "officers": officers,
            "violations": [{"value": k, "label": label, "checked": k in picked}
                           for k, label in violation_options(case)],
            "entered": values, "errors": errors or {}, "now": local_now().strftime("%Y-%m-%dT%H:%M")}


def violation_options(case) -> list[tuple[str, str]]:
    """The articles the case's findings cite, or else the catalogue's articles for the party's kind of
    subject (as in the investigation report's form)."""
    from caseflow.web.forms import article_options
    options = [(o["value"], o["label"]) for o in article_options(case.party)]
    cited = {v.get("article") for v in (case.facts or {}).get("violations") or [] if isinstance(v, dict)}
    return [o for o in options if o[0] in cited] or options


def violation_label(item: str) -> str:
    from caseflow.rules.catalogue import catalogue
    violation = catalogue().violations.get(item)
    return f"{violation.title}（{violation.citation.text}）" if violation else item


def _register_values(form) -> dict:
    values = {k: form.get(k, "").strip() for k in REGISTER_FIELDS}
    values["collected_by"] = form.getlist("collected_by")
    others = [line.strip() for line in form.get("violations_other", "").splitlines() if line.strip()]
    values["violations"] = form.getlist("violations") + others
    values["violations_other"] = form.get("violations_other", "")
    values["patient_level"] = form.get("patient_level") == "true"
    return values


def _register_data(values: dict) -> dict:
    """The service's input: empty fields left out (a missing required field says 此项为必填项)."""
    data = {k: values[k] for k in REGISTER_FIELDS if values.get(k)}
    ids = []
    for raw in values["collected_by"]:
        if not raw.isdigit():
            raise ValidationFailed(_("收集人员选择无效"), {"collected_by": _("收集人员选择无效")})
        ids.append(int(raw))
    data.update(collected_by=ids, violations=values["violations"], patient_level=values["patient_level"])
    return data


@web_bp.get("/cases/<int:case_id>/evidence/new")
def new_evidence(case_id):
    case = cases.get_case(current_user, case_id)
    return _render_new(case)


def _render_new(case, status=200, values=None, errors=None, message=""):
    return render_template("evidence/new.html", case=presenters.case_header(case),
                           form=register_form(case, values, errors), message=message,
                           can_write=evidence.can_write(current_user, case)), status


@web_bp.post("/cases/<int:case_id>/evidence")
def register_evidence(case_id):
    case = cases.get_case(current_user, case_id)
    values = _register_values(request.form)
    try:
        item = evidence.register_evidence(case_id, _register_data(values), current_user)
    except ValidationFailed as exc:
        return _render_new(cases.get_case(current_user, case_id), exc.status, values, exc.details, exc.message)
    flash(_("已登记证据%(seq)d「%(title)s」，请上传证据文件", seq=item.seq, title=item.title), "success")
    return redirect(url_for("web.evidence_detail", case_id=case.id, evidence_id=item.id), 303)


# ---- one item

def _case_and_item(case_id, evidence_id):
    case = cases.get_case(current_user, case_id)
    item = queries.get_evidence(current_user, evidence_id)
    if item is None or item.case_id != case.id:
        raise NotFound(_("证据不存在或您无权查看"))
    return case, item


def _render_item(case, item, status=200, errors=None, message="", form_name="", values=None):
    attachments = list(item.attachments)
    same = queries.duplicates(attachments, case.id)
    visible = {e.id for e in queries.visible_evidence(current_user, case)[0]}
    files = [{"a": a, "type": a.file_type,
              "duplicates": [e for e in same.get(a.id, []) if e.id in visible]} for a in attachments]
    limit = evidence.max_upload()
    return render_template(
        "evidence/detail.html", case=presenters.case_header(case), item=item, files=files,
        violations=[violation_label(v) for v in item.violations or []],
        can_write=evidence.can_write(current_user, case), archived=case.state == "archived",
        kinds=[(k, label) for k, label in CUSTODY_KINDS.items() if k != "collected"],
        max_upload=limit, max_upload_text=_size_text(limit), allowed=sniffing.ALLOWED_TEXT,
        errors=errors or {}, message=message, form_name=form_name, values=values or {},
        now=local_now().strftime("%Y-%m-%dT%H:%M")), status


def _size_text(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} 字节"


@web_bp.get("/cases/<int:case_id>/evidence/<int:evidence_id>")
def evidence_detail(case_id, evidence_id):
    case, item = _case_and_item(case_id, evidence_id)
    return _render_item(case, item)


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@web_bp.post("/cases/<int:case_id>/evidence/<int:evidence_id>/attachments")
def upload_evidence_file(case_id, evidence_id):
    """A file from the upload form: sent by upload.js (XHR, with progress; answered in JSON) or, without
    JavaScript, as a plain form post."""
    case, item = _case_and_item(case_id, evidence_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed(_("请选择要上传的文件"), {"file": _("请选择要上传的文件")})
        result = evidence.add_attachment(item.id, upload.stream, upload.filename, current_user)
    except DomainError as exc:
        if _wants_json():
            return jsonify({"error": exc.code, "message": exc.message, "details": exc.details}), exc.status
        case, item = _case_and_item(case_id, evidence_id)
        return _render_item(case, item, exc.status, exc.details, exc.message, "upload")
    message = _("已上传「%(name)s」（%(type)s）", name=result.attachment.original_name,
                type=result.attachment.file_type.label)
    flash(message, "success")
    for notice in result.notices:
        flash(notice, "warning")
    target = url_for("web.evidence_detail", case_id=case_id, evidence_id=evidence_id, _anchor="files")
    if _wants_json():
        return jsonify({"ok": True, "message": message, "notices": result.notices, "redirect": target}), 201
    return redirect(target, 303)


@web_bp.get("/cases/<int:case_id>/evidence/<int:evidence_id>/attachments/<int:attachment_id>")
def download_evidence_file(case_id, evidence_id, attachment_id):
    _case_and_item(case_id, evidence_id)
    attachment = queries.get_attachment(current_user, evidence_id, attachment_id)
    if attachment is None:
        raise NotFound(_("附件不存在或您无权查看"))
    return attachment_response(current_user, attachment)


def attachment_response(user, attachment):
    """The stored file, streamed, as a download under its sanitised name, typed by the sniffed type (never
    the uploader's claim), sandboxed so that a browser runs nothing in it. On an archived case the archive
    access rule applies and the opening is logged (caseflow.archive.access_log)."""
    item = attachment.evidence
    open_archived_material(user, item.case, "evidence_file", f"证据附件#{attachment.id}（{logged_name(item)}）")
    try:
        fh = queries.open_attachment(user, attachment)
    except FileNotFoundError:
        raise NotFound(_("该附件的文件在存储中缺失，请联系系统管理员核查（storage verify）"))
    file_type = attachment.file_type
    response = send_file(fh, mimetype=file_type.mime, as_attachment=True, etag=False, max_age=0,
                         download_name=sniffing.download_name(attachment.original_name, file_type))
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@web_bp.post("/cases/<int:case_id>/evidence/<int:evidence_id>/custody")
def record_evidence_custody(case_id, evidence_id):
    case, item = _case_and_item(case_id, evidence_id)
    values = {k: request.form.get(k, "").strip() for k in CUSTODY_FIELDS}
    try:
        recorded = evidence.record_custody(item.id, {k: v for k, v in values.items() if v}, current_user)
    except ValidationFailed as exc:
        case, item = _case_and_item(case_id, evidence_id)
        return _render_item(case, item, exc.status, exc.details, exc.message, "custody", values)
    flash(_("已记录「%(kind)s」", kind=recorded.event.kind_label), "success")
    for notice in recorded.notices:
        flash(notice, "warning")
    return redirect(url_for("web.evidence_detail", case_id=case_id, evidence_id=evidence_id, _anchor="custody"), 303)
