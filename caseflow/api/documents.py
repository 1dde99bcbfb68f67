"""Documents: the catalogue, a case's documents, drafts (create, edit, delete), issuing, corrections,
service, previews and the stored PDF. See docs/api.md."""
from flask import Response, current_app, request

from caseflow.api import api_bp
from caseflow.api.auth import current_actor
from caseflow.api.common import json_body, load_json
from caseflow.archive.access_log import open_archived_material
from caseflow.cases.access import archive_material_basis
from caseflow.cases import services as cases
from caseflow.documents import queries
from caseflow.documents import services as documents
from caseflow.documents.schemas import (CorrectionSchema, DocumentOutSchema, DraftUpdateSchema, NewDraftSchema,
                                        VersionSchema)
from caseflow.documents.workflow_wiring import steps_for
from caseflow.errors import NotFound

ONE = DocumentOutSchema()


@api_bp.get("/documents/catalogue")
def document_catalogue():
    catalogue = current_app.extensions["caseflow_documents"]
    return {"items": [{
        "key": t.key, "code": t.code, "title": t.title, "stage": t.stage, "kind": t.kind, "kind_label": t.kind_label,
        "numbering": t.numbering, "version": t.version, "basis": t.basis, "multiple": t.multiple,
        "fields": [{"name": f.name, "label": f.label, "type": f.type, "required": f.required, "source": f.source,
                    "choices": [{"value": v, "label": lbl} for v, lbl in f.choices],
                    "columns": [{"name": n, "label": lbl} for n, lbl in f.columns]} for f in t.fields],
        "steps": steps_for(t.key)} for t in catalogue]}


@api_bp.get("/cases/<int:case_id>/documents")
def list_case_documents(case_id):
    user = current_actor()
    case = cases.get_case(user, case_id)
    # on an archived case the documents' contents are case material, behind the archive's gate
    hidden = ("data",) if case.state == "archived" and archive_material_basis(user, case) is None else ()
    return {"items": DocumentOutSchema(many=True, exclude=hidden).dump(queries.visible_documents(user, case))}


@api_bp.post("/cases/<int:case_id>/documents")
def create_document(case_id):
    args = load_json(NewDraftSchema())
    return ONE.dump(documents.new_draft(case_id, args["key"], current_actor())), 201


def _doc(doc_id):
    user = current_actor()
    doc = queries.get_document(user, doc_id)
    if doc is None:
        raise NotFound("文书不存在")
    return user, doc


@api_bp.get("/documents/<int:doc_id>")
def get_document(doc_id):
    user, doc = _doc(doc_id)
    open_archived_material(user, doc.case, "document_preview", f"文书#{doc.id} {doc.title}")
    return ONE.dump(doc)


@api_bp.patch("/documents/<int:doc_id>")
def update_document(doc_id):
    args = load_json(DraftUpdateSchema())
    return ONE.dump(documents.update_draft(doc_id, args["version"], args["data"], current_actor()))


@api_bp.delete("/documents/<int:doc_id>")
def delete_document(doc_id):
    args = load_json(VersionSchema())
    documents.delete_draft(doc_id, args["version"], current_actor())
    return "", 204


@api_bp.post("/documents/<int:doc_id>/issue")
def issue_document(doc_id):
    args = load_json(VersionSchema())
    return ONE.dump(documents.issue(doc_id, args["version"], current_actor()))


@api_bp.post("/documents/<int:doc_id>/corrections")
def correct_document(doc_id):
    args = load_json(CorrectionSchema())
    return ONE.dump(documents.correct(doc_id, args["reason"], current_actor())), 201


@api_bp.post("/documents/<int:doc_id>/service")
def serve_document(doc_id):
    body = dict(json_body())
    version = body.pop("version", None)
    documents.serve(doc_id, version, body, current_actor())
    _, doc = _doc(doc_id)
    return ONE.dump(doc), 201


@api_bp.get("/documents/<int:doc_id>/html")
def document_html(doc_id):
    user, doc = _doc(doc_id)
    open_archived_material(user, doc.case, "document_preview", f"文书#{doc.id} {doc.title}")
    queries.log_access(user, doc, "preview")
    return Response(documents.preview_html(doc), mimetype="text/html")


@api_bp.get("/documents/<int:doc_id>/pdf")
def document_pdf(doc_id):
    user, doc = _doc(doc_id)
    open_archived_material(user, doc.case, "document_pdf", f"文书#{doc.id} {doc.title}")
    data = documents.preview_pdf(doc)
    queries.log_access(user, doc, "pdf")
    name = f"{doc.key}-{doc.id}.pdf"
    disposition = "attachment" if request.args.get("download") else "inline"
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'{disposition}; filename="{name}"'})
