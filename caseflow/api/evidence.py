"""Evidence: a case's items, registering one, one item with its files and custody log, uploading a file
(multipart, streamed), downloading it, recording custody. See docs/api.md."""
from flask import request

from caseflow.api import api_bp
from caseflow.api.auth import current_actor
from caseflow.api.common import BadRequest, json_body
from caseflow.cases import services as cases
from caseflow.errors import NotFound, ValidationFailed
from caseflow.evidence import queries
from caseflow.evidence import services as evidence
from caseflow.evidence.schemas import AttachmentOutSchema, CustodyOutSchema, EvidenceDetailSchema, EvidenceOutSchema

FILE_FIELD = "file"


@api_bp.get("/cases/<int:case_id>/evidence")
def list_case_evidence(case_id):
    user = current_actor()
    case = cases.get_case(user, case_id)
    items, withheld = queries.visible_evidence(user, case)
    return {"items": EvidenceOutSchema(many=True).dump(items), "withheld": withheld}


@api_bp.post("/cases/<int:case_id>/evidence")
def register_evidence(case_id):
    item = evidence.register_evidence(case_id, json_body(), current_actor())
    return EvidenceDetailSchema().dump(item), 201


def _item(evidence_id):
    item = queries.get_evidence(current_actor(), evidence_id)
    if item is None:
        raise NotFound("证据不存在或您无权查看")
    return item


@api_bp.get("/evidence/<int:evidence_id>")
def get_evidence(evidence_id):
    return EvidenceDetailSchema().dump(_item(evidence_id))


@api_bp.post("/evidence/<int:evidence_id>/attachments")
def upload_attachment(evidence_id):
    """multipart/form-data with the file in `file`. Werkzeug spools a large body to a temporary file; the
    service reads it in chunks. With session (cookie) authentication the request must carry
    `X-Requested-With: XMLHttpRequest`, which a cross-site HTML form cannot send."""
    if request.headers.get("Authorization") is None and request.headers.get("X-Requested-With") != "XMLHttpRequest":
        raise BadRequest("以登录会话上传时须带请求头 X-Requested-With: XMLHttpRequest（或使用访问令牌）",
                         {"headers": "X-Requested-With"})
    upload = request.files.get(FILE_FIELD)
    if upload is None:
        raise ValidationFailed("请以 multipart/form-data 上传文件（字段名 file）", {FILE_FIELD: "请选择文件"})
    result = evidence.add_attachment(evidence_id, upload.stream, upload.filename, current_actor())
    return {**AttachmentOutSchema().dump(result.attachment), "notices": result.notices}, 201


@api_bp.get("/evidence/<int:evidence_id>/attachments/<int:attachment_id>")
def download_attachment(evidence_id, attachment_id):
    from caseflow.web.evidence import attachment_response
    user = current_actor()
    attachment = queries.get_attachment(user, evidence_id, attachment_id)
    if attachment is None:
        raise NotFound("附件不存在或您无权查看")
    return attachment_response(user, attachment)


@api_bp.post("/evidence/<int:evidence_id>/custody")
def record_custody(evidence_id):
    recorded = evidence.record_custody(evidence_id, json_body(), current_actor())
    return {**CustodyOutSchema().dump(recorded.event), "notices": recorded.notices}, 201

