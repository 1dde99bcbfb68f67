"""Investigation records (询问笔录, 现场检查笔录): a case's records, opening one, one record, changing an
open one (with the version seen), completing it (issues the document and registers the evidence). Errors:
422 with a message per field, 403 outside the case team, 404 outside the user's cases, 409 on a completed
record, a stale version or a case no longer under investigation."""
from caseflow.api import api_bp
from caseflow.api.auth import current_actor
from caseflow.api.common import json_body, load_json
from caseflow.cases import services as cases
from caseflow.records import services as records
from caseflow.records.schemas import RecordDetailSchema, RecordSummarySchema, VersionSchema

ONE = RecordDetailSchema()


@api_bp.get("/cases/<int:case_id>/records")
def list_case_records(case_id):
    user = current_actor()
    case = cases.get_case(user, case_id)
    return {"items": RecordSummarySchema(many=True).dump(records.case_records(case.id)),
            "can_write": records.can_write(user, case)}


@api_bp.post("/cases/<int:case_id>/records")
def open_record(case_id):
    return ONE.dump(records.open_record(case_id, json_body(), current_actor())), 201


@api_bp.get("/records/<int:record_id>")
def get_record(record_id):
    return ONE.dump(records.get_record(current_actor(), record_id))


@api_bp.patch("/records/<int:record_id>")
def update_record(record_id):
    return ONE.dump(records.update_record(record_id, json_body(), current_actor()))


@api_bp.post("/records/<int:record_id>/complete")
def complete_record(record_id):
    args = load_json(VersionSchema())
    done = records.complete(record_id, args["version"], current_actor())
    return {**ONE.dump(done.record), "notices": done.notices}
