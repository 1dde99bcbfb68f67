"""Document pages: the case's documents panel, one document (edit a draft, preview, issue, correct,
record service with proof), the public verification page for paper copies, and the register of
pre-numbered on-the-spot decision forms."""
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from caseflow.archive.access_log import open_archived_material
from caseflow.auth.roles import HEAD, OFFICER
from caseflow.cases import services as cases
from caseflow.cases.access import can_see_reporter
from caseflow.documents import queries
from caseflow.documents import services as documents
from caseflow.documents.models import SERVICE_METHODS
from caseflow.documents.workflow_wiring import served_by_transition, steps_for
from caseflow.errors import Conflict, DomainError, NotFound, ValidationFailed
from caseflow.timeutil import today
from caseflow.web import presenters, web_bp
from caseflow.web.views import require_roles

MAX_UPLOAD = 20 * 1024 * 1024   # proof of service (photo, scan) and PDFs to verify
NOT_CREATABLE = ("service_receipt", "onsite_decision")
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


def panel(case) -> dict:
    """The case page's 文书 section: the documents, and the types this user may start a draft of."""
    rows = queries.rows_for_case(current_user, case)
    creatable = []
    for t in documents.catalogue():
        if t.key in NOT_CREATABLE or not documents.can_edit(current_user, case, t):
            continue
        if t.confidential and not can_see_reporter(current_user, case):
            continue
        creatable.append({"key": t.key, "label": f"{t.code} {t.title}（{t.stage}）"})
    return {"rows": rows, "creatable": creatable}


def _case_and_doc(case_id, doc_id):
    case = cases.get_case(current_user, case_id)
    doc = queries.get_document(current_user, doc_id)
    if doc is None or doc.case_id != case.id:
        raise NotFound(_("文书不存在"))
    return case, doc


def _field_values(doc_type, form) -> dict:
    """A draft's fields from the HTML form: rows come as <name>-<i>-<column> inputs."""
    values = {}
    for f in doc_type.fields:
        if f.type == "rows":
            rows, i = [], 0
            while any(f"{f.name}-{i}-{c}" in form for c, _ in f.columns):
                rows.append({c: form.get(f"{f.name}-{i}-{c}", "") for c, _ in f.columns})
                i += 1
            values[f.name] = rows
        elif f.type == "boolean":
            values[f.name] = form.get(f.name) == "true"
        else:
            raw = form.get(f.name, "")
            values[f.name] = raw if raw.strip() != "" else None
    return values


def _render_doc(case, doc, status=200, values=None, errors=None, message="", form_name=""):
    doc_type = documents.catalogue()[doc.key]
    data = values if values is not None else dict(doc.data or {})
    all_docs = documents.case_documents(case.id)
    replaced_by = next((d for d in all_docs if d.supersedes_id == doc.id), None)
    can_edit = documents.can_edit(current_user, case, doc_type)
    serve_step = served_by_transition(case, doc.key)
    return render_template(
        "documents/detail.html", case=presenters.case_header(case), doc=doc, doc_type=doc_type, data=data,
        errors=errors or {}, message=message, form_name=form_name, can_edit=can_edit,
        replaced_by=replaced_by, steps=steps_for(doc.key), serve_step=serve_step,
        can_serve=can_edit and doc.status == "issued" and doc_type.external and not serve_step,
        methods=list(SERVICE_METHODS.items()), today=today().isoformat()), status


@web_bp.post("/cases/<int:case_id>/documents")
def new_document(case_id):
    key = request.form.get("key", "")
    try:
        doc = documents.new_draft(case_id, key, current_user)
    except Conflict as exc:
        if "document_id" in exc.details:
            flash(exc.message, "warning")
            return redirect(url_for("web.document_detail", case_id=case_id, doc_id=exc.details["document_id"]), 303)
        raise
    flash(_("已生成「%(title)s」草稿：请填写后签发", title=doc.title), "success")
    return redirect(url_for("web.document_detail", case_id=case_id, doc_id=doc.id), 303)


@web_bp.get("/cases/<int:case_id>/documents/<int:doc_id>")
def document_detail(case_id, doc_id):
    case, doc = _case_and_doc(case_id, doc_id)
    open_archived_material(current_user, case, "document_preview", f"文书#{doc.id} {doc.title}")
    queries.log_access(current_user, doc, "page")
    return _render_doc(case, doc)


@web_bp.post("/cases/<int:case_id>/documents/<int:doc_id>/save")
def save_document(case_id, doc_id):
    case, doc = _case_and_doc(case_id, doc_id)
    doc_type = documents.catalogue()[doc.key]
    values = _field_values(doc_type, request.form)
    try:
        saved = documents.update_draft(doc.id, request.form.get("version"), values, current_user)
    except (ValidationFailed, Conflict) as exc:
        return _render_doc(case, doc, exc.status, values, exc.details, exc.message, "save")
    if request.form.get("then") == "issue":
        return _issue(case, saved.id, saved.version)
    flash(_("草稿已保存"), "success")
    return redirect(url_for("web.document_detail", case_id=case_id, doc_id=doc_id), 303)


@web_bp.post("/cases/<int:case_id>/documents/<int:doc_id>/issue")
def issue_document(case_id, doc_id):
    case, doc = _case_and_doc(case_id, doc_id)
    return _issue(case, doc.id, request.form.get("version"))


def _issue(case, doc_id, version):
    try:
        doc = documents.issue(doc_id, version, current_user)
    except (ValidationFailed, Conflict) as exc:
        doc = queries.get_document(current_user, doc_id)
        return _render_doc(case, doc, exc.status, None, exc.details, exc.message, "issue")
    flash(_("已签发「%(title)s」%(number)s", title=doc.title, number=doc.number or ""), "success")
    return redirect(url_for("web.document_detail", case_id=case.id, doc_id=doc_id), 303)


@web_bp.post("/cases/<int:case_id>/documents/<int:doc_id>/delete")
def delete_document(case_id, doc_id):
    case, doc = _case_and_doc(case_id, doc_id)
    try:
        documents.delete_draft(doc.id, request.form.get("version"), current_user)
    except Conflict as exc:
        return _render_doc(case, doc, exc.status, None, exc.details, exc.message, "delete")
    flash(_("草稿已删除"), "success")
    return redirect(url_for("web.case_detail", case_id=case_id, _anchor="documents"), 303)


@web_bp.post("/cases/<int:case_id>/documents/<int:doc_id>/correct")
def correct_document(case_id, doc_id):
    case, doc = _case_and_doc(case_id, doc_id)
    try:
        new = documents.correct(doc.id, request.form.get("reason", ""), current_user)
    except (ValidationFailed, Conflict) as exc:
        return _render_doc(case, doc, exc.status, None, exc.details, exc.message, "correct")
    flash(_("已生成更正文书草稿：修改后签发，原文书将标注为已被更正"), "success")
    return redirect(url_for("web.document_detail", case_id=case_id, doc_id=new.id), 303)


@web_bp.post("/cases/<int:case_id>/documents/<int:doc_id>/serve")
def serve_document(case_id, doc_id):
    case, doc = _case_and_doc(case_id, doc_id)
    fields = ("method", "served_on", "recipient", "address", "witness", "public_notice_reason", "note")
    data = {k: request.form.get(k, "").strip() or None for k in fields}
    data = {k: v for k, v in data.items() if v is not None}
    proof = request.files.get("proof")
    upload = None
    if proof and proof.filename:
        content = proof.stream.read(MAX_UPLOAD + 1)
        if len(content) > MAX_UPLOAD:
            return _render_doc(case, doc, 422, None, {"proof": _("附件不能超过 20 MB")}, _("送达凭证附件过大"), "serve")
        upload = (proof.filename, content)
    try:
        documents.serve(doc.id, request.form.get("version"), data, current_user, proof=upload)
    except (ValidationFailed, Conflict) as exc:
        return _render_doc(case, doc, exc.status, None, exc.details, exc.message, "serve")
    flash(_("已登记送达并生成送达回证"), "success")
    return redirect(url_for("web.document_detail", case_id=case_id, doc_id=doc_id), 303)


@web_bp.get("/cases/<int:case_id>/documents/<int:doc_id>/preview")
def document_preview(case_id, doc_id):
    """The document as HTML, from the same template as the PDF (a draft watermarked 草稿)."""
    case, doc = _case_and_doc(case_id, doc_id)
    open_archived_material(current_user, case, "document_preview", f"文书#{doc.id} {doc.title}")
    queries.log_access(current_user, doc, "preview")
    response = Response(documents.preview_html(doc), mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response


@web_bp.get("/cases/<int:case_id>/documents/<int:doc_id>/pdf")
def document_pdf(case_id, doc_id):
    case, doc = _case_and_doc(case_id, doc_id)
    open_archived_material(current_user, case, "document_pdf", f"文书#{doc.id} {doc.title}")
    data = documents.preview_pdf(doc)
    queries.log_access(current_user, doc, "pdf")
    name = f"{doc.key}-{doc.id}{'-draft' if doc.status == 'draft' else ''}.pdf"
    disposition = "attachment" if request.args.get("download") else "inline"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"'})


# ---- verification of paper copies: public, shows nothing about the party ----

@web_bp.route("/verify", methods=["GET", "POST"])
def verify_lookup():
    code = (request.values.get("code") or "").strip()
    if code:
        return redirect(url_for("web.verify_document", code=code.upper()), 303)
    return render_template("documents/verify.html", doc=None, code="", result=None)


@web_bp.route("/verify/<code>", methods=["GET", "POST"])
def verify_document(code):
    doc = documents.find_by_code(code)
    if doc is None or doc.status == "draft":
        return render_template("documents/verify.html", doc=None, code=code, result=None), 404
    result = None
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        content = upload.stream.read(MAX_UPLOAD + 1) if upload and upload.filename else b""
        if not content:
            result, status = {"ok": None, "message": _("请选择要核对的 PDF 文件")}, 422
        elif len(content) > MAX_UPLOAD:
            result, status = {"ok": None, "message": _("文件不能超过 20 MB")}, 422
        else:
            ok = documents.matches(doc, content)
            result = {"ok": ok, "message": _("上传的文件与签发件完全一致。") if ok else
                      _("上传的文件与签发件不一致：文件可能被修改，或不是该文书的电子件。")}
    info = {"title": doc.title, "number": doc.number or _("（无文号）"), "organisation": doc.organisation.name,
            "issued_on": doc.issued_at.date().isoformat(), "code": doc.verification_code,
            "superseded": any(d.supersedes_id == doc.id and d.status != "draft"
                              for d in documents.case_documents(doc.case_id))}
    return render_template("documents/verify.html", doc=info, code=code, result=result), status


# ---- pre-numbered on-the-spot decision forms (行政处罚法 第五十二条) ----

@web_bp.route("/onsite-forms", methods=["GET", "POST"])
@require_roles(HEAD, OFFICER)
def onsite_forms():
    errors, message, values = {}, "", {}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("prefix", "first", "last", "width", "batch")}
        try:
            try:
                first, last, width = int(values["first"]), int(values["last"]), int(values["width"] or 4)
            except ValueError:
                raise ValidationFailed(_("起止编号和位数应为整数"), {"first": _("应为整数")})
            forms = documents.register_onsite_forms(current_user, values["prefix"].strip(), first, last, width,
                                                    values["batch"])
            flash(_("已登记 %(n)d 份预定格式决定书", n=len(forms)), "success")
            return redirect(url_for("web.onsite_forms"), 303)
        except DomainError as exc:
            errors, message = exc.details, exc.message
    rows = queries.onsite_forms(current_user.organisation_id, request.args.get("status") or None)
    return render_template("documents/onsite_forms.html", rows=rows, errors=errors, message=message, values=values,
                           can_register=current_user.has_role(HEAD)), 422 if message else 200


@web_bp.post("/onsite-forms/<int:form_id>/void")
@require_roles(HEAD, OFFICER)
def void_onsite_form(form_id):
    try:
        documents.void_onsite_form(form_id, request.form.get("reason", ""), current_user)
        flash(_("已作废"), "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("web.onsite_forms"), 303)
