"""The archive: the register of archived cases, one archive record with its manifest, the combined case
file (PDF), borrowing requests (request / approve / reject / return) and a case's access log. Opening the
case file is gated and logged like every download of archived material (caseflow.archive.access_log).
See docs/api.md."""
from flask import Response, request
from marshmallow import fields, validate

from caseflow.api import api_bp
from caseflow.api.auth import current_actor
from caseflow.api.common import json_body, load_json, load_query, page_payload
from caseflow.archive import access_log, borrowing
from caseflow.archive import services as archive
from caseflow.auth.roles import ARCHIVIST, HEAD, LEGAL_REVIEWER, OFFICER
from caseflow.cases import services as cases
from caseflow.errors import Forbidden, NotFound
from caseflow.schemas import BaseSchema, LocalDateTime, PageArgsSchema, text
from caseflow.timeutil import local_now

ARCHIVE_ROLES = (OFFICER, LEGAL_REVIEWER, HEAD, ARCHIVIST)


class ArchiveListArgsSchema(PageArgsSchema):
    year = fields.Integer(metadata={"label": "归档年度"},
                          validate=validate.Range(min=1949, max=9999, error="归档年度无效"))
    number = text(80, label="档案号 / 案号")


class BorrowInSchema(BaseSchema):
    purpose = text(1000, required=True, label="借阅用途")
    days = fields.Integer(required=True, metadata={"label": "借阅天数"})


class ApproveInSchema(BaseSchema):
    days = fields.Integer(load_default=None, allow_none=True, metadata={"label": "批准天数"})
    note = text(500, label="审批意见")


class RejectInSchema(BaseSchema):
    note = text(500, required=True, label="不予批准的理由")


class RecordOutSchema(BaseSchema):
    case_id = fields.Integer()
    case_number = fields.Function(lambda r: r.case.case_number)
    title = fields.Function(lambda r: r.case.title)
    party = fields.Function(lambda r: r.case.party.name)
    organisation = fields.Function(lambda r: r.organisation.name)
    archive_no = fields.String()
    archive_year = fields.Integer()
    retention = fields.String()
    retention_label = fields.String()
    retention_basis = fields.String()
    retention_until = fields.Date()
    pages = fields.Integer()
    case_file_sha256 = fields.String()
    case_file_size = fields.Integer()
    archived_at = LocalDateTime()
    archived_by = fields.Function(lambda r: r.archived_by.name)
    on_hold = fields.Boolean()
    disposed = fields.Function(lambda r: r.disposal is not None)


class HoldOutSchema(BaseSchema):
    event = fields.String()
    event_label = fields.String()
    reason = fields.String()
    actor = fields.Function(lambda h: h.actor.name)
    at = LocalDateTime()


class RecordDetailSchema(RecordOutSchema):
    manifest = fields.Raw()
    holds = fields.List(fields.Nested(HoldOutSchema))


class BorrowOutSchema(BaseSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_number = fields.Function(lambda b: b.case.case_number)
    requester = fields.Function(lambda b: {"id": b.requester_id, "name": b.requester.name,
                                           "organisation": b.requester.organisation.name})
    purpose = fields.String()
    requested_days = fields.Integer()
    requested_at = LocalDateTime()
    status = fields.Function(lambda b: b.effective_status(local_now()))
    status_label = fields.Function(lambda b: b.status_label(local_now()))
    decided_by = fields.Function(lambda b: b.decided_by.name if b.decided_by else None)
    decided_at = LocalDateTime()
    decision_note = fields.String()
    approved_days = fields.Integer()
    approved_until = LocalDateTime()
    returned_at = LocalDateTime()


class AccessOutSchema(BaseSchema):
    id = fields.Integer()
    occurred_at = LocalDateTime()
    user = fields.Function(lambda a: {"id": a.user_id, "name": a.user.name,
                                      "organisation": a.user.organisation.name})
    kind = fields.String()
    kind_label = fields.String()
    ref = fields.String()
    via = fields.String()
    granted = fields.Boolean()
    basis = fields.String()
    borrow_request_id = fields.Integer()


def _record(user, case_id):
    case = cases.get_case(user, case_id)
    record = archive.archive_record(case.id)
    if record is None:
        raise NotFound("该案件尚未归档", {"case_id": case_id})
    return case, record


@api_bp.get("/archive")
def list_archive():
    user = current_actor()
    if not user.has_role(*ARCHIVE_ROLES):
        raise Forbidden("您没有查看档案的权限")
    args = load_query(ArchiveListArgsSchema())
    page = access_log.visible_records(user, args.get("year"), args.get("number"), args["page"], args["per_page"])
    return page_payload(page, RecordOutSchema(many=True).dump(page.items))


@api_bp.get("/archive/<int:case_id>")
def get_archive_record(case_id):
    user = current_actor()
    case, record = _record(user, case_id)
    return {**RecordDetailSchema().dump(record), "manifest": archive.visible_manifest(user, case, record.manifest)}


@api_bp.get("/archive/<int:case_id>/case-file.pdf")
def archive_case_file(case_id):
    user = current_actor()
    case, record = _record(user, case_id)
    access_log.open_archived_material(user, case, "case_file", f"卷宗 {record.archive_no}")
    archive.require_whole_file(user, case, record)
    disposition = "attachment" if request.args.get("download") else "inline"
    return Response(archive.case_file_pdf(record), mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="case-file-{case.id}.pdf"',
        "Cache-Control": "private, no-store"})


@api_bp.get("/archive/<int:case_id>/access-log")
def archive_access_log(case_id):
    user = current_actor()
    case, _record_ = _record(user, case_id)
    if not access_log.can_see_log(user, case):
        raise Forbidden("查阅记录限本单位档案管理员和负责人查看")
    return {"items": AccessOutSchema(many=True).dump(access_log.case_log(case.id))}


@api_bp.post("/archive/<int:case_id>/borrow-requests")
def request_borrow(case_id):
    """Any user within the borrowing scope (caseflow.archive.borrowing) may ask, including users of another
    organisation of the province who cannot see the case yet: they name it by its id."""
    args = load_json(BorrowInSchema(), "借阅申请")
    borrow = borrowing.request_borrow(case_id, args["purpose"], args["days"], current_actor())
    return BorrowOutSchema().dump(borrow), 201


@api_bp.get("/borrow-requests")
def list_borrow_requests():
    """The caller's own requests; `?queue=1` for an archivist: the requests on their organisation's cases
    (`status` filters, default pending)."""
    user = current_actor()
    if request.args.get("queue"):
        if not user.has_role(ARCHIVIST):
            raise Forbidden("借阅审批限档案管理员")
        status = request.args.get("status", "pending")
        rows = borrowing.queue(user, None if status == "all" else status)
    else:
        rows = borrowing.my_requests(user)
    return {"items": BorrowOutSchema(many=True).dump(rows)}


@api_bp.post("/borrow-requests/<int:request_id>/approve")
def approve_borrow(request_id):
    user = current_actor()
    args = load_json(ApproveInSchema(), "审批意见")
    return BorrowOutSchema().dump(borrowing.approve(request_id, args.get("days"), args.get("note"), user))


@api_bp.post("/borrow-requests/<int:request_id>/reject")
def reject_borrow(request_id):
    user = current_actor()
    args = load_json(RejectInSchema(), "审批意见")
    return BorrowOutSchema().dump(borrowing.reject(request_id, args["note"], user))


@api_bp.post("/borrow-requests/<int:request_id>/return")
def return_borrow(request_id):
    user = current_actor()
    json_body()  # a JSON body (even {}) keeps cross-site forms out of session-authenticated writes
    return BorrowOutSchema().dump(borrowing.return_early(request_id, user))
