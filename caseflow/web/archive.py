"""Archive pages (档案): the register of archived cases, one case's archive record (cover facts, the file's
contents, the combined case file and the BagIt export, legal holds, disposal), borrowing (借阅) — the request
form, "我的借阅", the archivists' queue with approve / reject — and a case's access log. Views stay thin:
the rules live in caseflow.archive (services, borrowing, access_log)."""
import shutil
import tempfile
from pathlib import Path

from flask import Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from caseflow.archive import access_log, borrowing
from caseflow.archive import services as archive
from caseflow.auth.roles import ARCHIVIST, HEAD, LEGAL_REVIEWER, OFFICER
from caseflow.cases import services as cases
from caseflow.cases.access import archive_material_basis
from caseflow.errors import Conflict, DomainError, Forbidden, NotFound
from caseflow.timeutil import local_now
from caseflow.web import presenters, web_bp
from caseflow.web.forms import FormReader
from caseflow.web.views import require_roles

ARCHIVE_ROLES = (OFFICER, LEGAL_REVIEWER, HEAD, ARCHIVIST)


# ---------------------------------------------------------------- presenting

def record_facts(record) -> dict:
    """The archive record as plain data for the templates (and the API)."""
    case = record.case
    return {
        "case_id": case.id, "case_number": case.case_number or "", "title": case.title,
        "party": case.party.name, "organisation": record.organisation.name, "archive_no": record.archive_no,
        "archive_year": record.archive_year, "retention": record.retention, "retention_label": record.retention_label,
        "retention_basis": record.retention_basis,
        "retention_until": record.retention_until.isoformat() if record.retention_until else None,
        "pages": record.pages, "case_file_sha256": record.case_file_sha256, "case_file_size": record.case_file_size,
        "archived_at": record.archived_at.strftime("%Y-%m-%d %H:%M"), "archived_by": record.archived_by.name,
        "filed_on": presenters.fmt_date(case.filed_on), "closed_on": presenters.fmt_date(case.closed_on),
        "on_hold": record.on_hold, "disposed": record.disposal is not None,
    }


def manifest_rows(manifest: dict) -> list[dict]:
    """The file's contents in order, volume by volume (正卷, 副卷), from the manifest frozen at archiving: the
    page numbers of the 卷内目录 and, once the combined PDF is assembled, the pages it occupies there."""
    rows = []
    for volume in manifest.get("volumes", []):
        for item in volume.get("items", []):
            pdf_pages = item.get("pdf_pages")
            if item.get("kind") == "evidence":
                shas = [a["sha256"] for a in item.get("attachments", [])]
                kind = item.get("type_label", "")
            else:
                shas = [item["pdf_sha256"]] if item.get("pdf_sha256") else []
                kind = item.get("code", "")
            rows.append({"n": len(rows) + 1, "volume": volume.get("label", ""), "kind": kind,
                         "title": item.get("title", ""), "number": item.get("number") or "",
                         "pages": item.get("pages") or "",
                         "pdf_pages": (f"{pdf_pages[0]}–{pdf_pages[1]}" if pdf_pages[0] != pdf_pages[1]
                                       else str(pdf_pages[0])) if pdf_pages else "",
                         "sha256": shas[0] if len(shas) == 1 else "", "files": len(shas)})
    return rows


def borrow_row(b, now) -> dict:
    return {"id": b.id, "case_id": b.case_id, "case_number": b.case.case_number or "", "title": b.case.title,
            "requester": b.requester.name, "requester_org": b.requester.organisation.short_name,
            "purpose": b.purpose, "requested_days": b.requested_days,
            "requested_at": b.requested_at.strftime("%Y-%m-%d %H:%M"), "status": b.effective_status(now),
            "status_label": b.status_label(now), "decided_by": b.decided_by.name if b.decided_by else "",
            "decision_note": b.decision_note or "", "approved_days": b.approved_days,
            "approved_until": b.approved_until.strftime("%Y-%m-%d %H:%M") if b.approved_until else "",
            "returnable": b.effective_status(now) == "approved"}


def _record(case_id):
    """The archive record of a case the user may see (borrowers included); 404 otherwise."""
    case = cases.get_case(current_user, case_id)
    record = archive.archive_record(case.id)
    if record is None:
        raise NotFound(_("该案件尚未归档"))
    return case, record


def _back(case_id=None, endpoint="web.archive_record"):
    if case_id is None:
        return redirect(url_for(endpoint), 303)
    return redirect(url_for(endpoint, case_id=case_id), 303)


# ---------------------------------------------------------------- register of archived cases

@web_bp.get("/archive")
@require_roles(*ARCHIVE_ROLES)
def archive_list():
    reader = FormReader(request.args)
    year = reader.integer("year", _("归档年度"))
    number = reader.text("number", _("档案号 / 案号"), max_length=80) or None
    page = reader.integer("page", _("页码")) or 1
    if page < 1:
        reader.errors["page"] = _("页码无效")
    result, rows = None, []
    if not reader.errors:
        result = access_log.visible_records(current_user, year, number, page)
        rows = [record_facts(r) for r in result.items]
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    pages = None
    if result is not None:
        last = result.page >= result.pages
        pages = {"page": result.page, "pages": result.pages, "total": result.total,
                 "prev": url_for("web.archive_list", **args, page=result.page - 1) if result.page > 1 else None,
                 "next": None if last else url_for("web.archive_list", **args, page=result.page + 1)}
    pending = len(borrowing.queue(current_user)) if current_user.has_role(ARCHIVIST) else 0
    return render_template("archive/list.html", rows=rows, pages=pages, args=request.args, errors=reader.errors,
                           pending=pending), 422 if reader.errors else 200


# ---------------------------------------------------------------- one archive record

@web_bp.get("/archive/<int:case_id>")
def archive_record(case_id):
    case, record = _record(case_id)
    now = local_now()
    material = archive_material_basis(current_user, case, now) is not None
    is_archivist = borrowing.is_case_archivist(current_user, case)
    manages = current_user.organisation_id == record.organisation_id and current_user.has_role(ARCHIVIST, HEAD)
    own = [borrow_row(b, now) for b in borrowing.my_requests(current_user) if b.case_id == case.id]
    return render_template(
        "archive/record.html", case=presenters.case_header(case), record=record_facts(record),
        manifest=manifest_rows(archive.visible_manifest(current_user, case, record.manifest or {})), excluded=(record.manifest or {}).get("excluded"),
        holds=record.holds, disposal=record.disposal,
        material=material, manages=manages, is_archivist=is_archivist,
        may_request=borrowing.may_request(current_user, case) and not any(
            b["status"] in ("pending", "approved") for b in own),
        own=own, requests=[borrow_row(b, now) for b in borrowing.case_requests(case.id)] if is_archivist else [],
        max_days=borrowing.max_days(), can_see_log=access_log.can_see_log(current_user, case),
        today=now.date().isoformat())


@web_bp.get("/archive/<int:case_id>/case-file.pdf")
def archive_case_file(case_id):
    case, record = _record(case_id)
    access_log.open_archived_material(current_user, case, "case_file", f"卷宗 {record.archive_no}")
    archive.require_whole_file(current_user, case, record)
    data = archive.case_file_pdf(record)
    name = f"case-file-{case.id}.pdf"
    disposition = "attachment" if request.args.get("download") else "inline"
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{name}"', "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})


@web_bp.get("/archive/<int:case_id>/export.zip")
def archive_export(case_id):
    """The BagIt package of the file as one zip download (built in a temporary folder, streamed, removed)."""
    case, record = _record(case_id)
    party_copy = request.args.get("party_copy") == "1"
    access_log.open_archived_material(current_user, case, "export",
                                      f"档案包 {record.archive_no}{'（阅卷副本）' if party_copy else ''}")
    if not party_copy:
        archive.require_whole_file(current_user, case, record)
    work = Path(tempfile.mkdtemp(prefix="caseflow-export-"))
    try:
        bag = archive.export_bag(record, work / "out", party_copy=party_copy)
        zipped = shutil.make_archive(str(work / bag.name), "zip", root_dir=bag.parent, base_dir=bag.name)
        handle = open(zipped, "rb")  # still readable after the folder is removed (POSIX)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    suffix = "-party-copy" if party_copy else ""
    response = send_file(handle, mimetype="application/zip", as_attachment=True, etag=False, max_age=0,
                         download_name=f"archive-{case.id}{suffix}.zip")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _on_record_page(case_id, act, done: str, endpoint="web.archive_record"):
    """Run a form's service call; success or refusal is shown on the page the form came from."""
    try:
        act()
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(done, "success")
    return _back(case_id, endpoint)


@web_bp.post("/archive/<int:case_id>/holds")
def archive_place_hold(case_id):
    _record(case_id)
    return _on_record_page(case_id, lambda: archive.place_hold(case_id, request.form.get("reason", ""), current_user),
                           _("已设置法律保全：保全期间档案不得销毁"))


@web_bp.post("/archive/<int:case_id>/holds/lift")
def archive_lift_hold(case_id):
    _record(case_id)
    return _on_record_page(case_id, lambda: archive.lift_hold(case_id, request.form.get("reason", ""), current_user),
                           _("已解除法律保全"))


@web_bp.post("/archive/<int:case_id>/disposal")
def archive_dispose(case_id):
    _record(case_id)

    def dispose():
        if request.form.get("confirm") != "yes":
            raise Conflict(_("请勾选“确认销毁”后再办理"), {"confirm": _("请确认")})
        archive.dispose(case_id, request.form.get("reason", ""), current_user)
    return _on_record_page(case_id, dispose, _("已登记档案销毁；档案记录保留备查"))


@web_bp.get("/archive/<int:case_id>/access-log")
def archive_access_log(case_id):
    case, record = _record(case_id)
    if not access_log.can_see_log(current_user, case):
        raise Forbidden(_("查阅记录限本单位档案管理员和负责人查看"))
    return render_template("archive/access_log.html", case=presenters.case_header(case),
                           record=record_facts(record), rows=access_log.case_log(case.id))


# ---------------------------------------------------------------- borrowing

@web_bp.post("/archive/<int:case_id>/borrow-requests")
def archive_request_borrow(case_id):
    cases.get_case(current_user, case_id)
    return _on_record_page(case_id, lambda: borrowing.request_borrow(
        case_id, request.form.get("purpose", ""), request.form.get("days"), current_user),
        _("借阅申请已提交，待档案管理员审批"))


@web_bp.route("/archive/borrowing", methods=["GET", "POST"])
@require_roles(*ARCHIVE_ROLES)
def my_borrowing():
    """我的借阅, and the request form for a case of another organisation named by its case or archive number."""
    values, errors, message, status = {}, {}, "", 200
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in ("number", "purpose", "days")}
        try:
            case = borrowing.find_archived_case(values["number"])
            borrowing.request_borrow(case.id, values["purpose"], values["days"], current_user)
        except DomainError as exc:
            errors, message, status = exc.details, exc.message, exc.status
        else:
            flash(_("借阅申请已提交，待档案管理员审批"), "success")
            return redirect(url_for("web.my_borrowing"), 303)
    now = local_now()
    rows = [borrow_row(b, now) for b in borrowing.my_requests(current_user)]
    return render_template("archive/borrowing.html", rows=rows, values=values, errors=errors, message=message,
                           max_days=borrowing.max_days()), status


@web_bp.post("/archive/borrowing/<int:request_id>/return")
def return_borrowing(request_id):
    try:
        borrowing.return_early(request_id, current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("已归还，借阅权限终止"), "success")
    return redirect(url_for("web.borrow_queue" if request.form.get("next") == "queue" else "web.my_borrowing"), 303)


@web_bp.get("/archive/requests")
@require_roles(ARCHIVIST)
def borrow_queue():
    status = request.args.get("status", "pending")
    if status not in borrowing.STATUSES and status != "all":
        status = "pending"
    now = local_now()
    rows = [borrow_row(b, now) for b in borrowing.queue(current_user, None if status == "all" else status)]
    return render_template("archive/queue.html", rows=rows, status=status, statuses=borrowing.STATUSES,
                           max_days=borrowing.max_days())


@web_bp.post("/archive/requests/<int:request_id>/approve")
@require_roles(ARCHIVIST)
def approve_borrowing(request_id):
    try:
        decided = borrowing.approve(request_id, request.form.get("days"), request.form.get("note"), current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("已批准借阅 %(n)s 天，至 %(until)s", n=decided.approved_days,
                until=decided.approved_until.strftime("%Y-%m-%d %H:%M")), "success")
    return redirect(url_for("web.borrow_queue"), 303)


@web_bp.post("/archive/requests/<int:request_id>/reject")
@require_roles(ARCHIVIST)
def reject_borrowing(request_id):
    try:
        borrowing.reject(request_id, request.form.get("note", ""), current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("已不予批准该借阅申请"), "success")
    return redirect(url_for("web.borrow_queue"), 303)
