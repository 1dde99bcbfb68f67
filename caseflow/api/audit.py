"""The audit trail of one case, for heads who may see the case."""
from sqlalchemy import select

from caseflow.api import api_bp
from caseflow.api.auth import current_actor
from caseflow.api.common import load_query, page_payload, paginate
from caseflow.audit.models import AuditEvent
from caseflow.audit.schemas import AuditEventSchema, AuditQuerySchema
from caseflow.auth.roles import HEAD
from caseflow.cases import services as cases
from caseflow.errors import Forbidden


@api_bp.get("/audit")
def case_audit_trail():
    args = load_query(AuditQuerySchema())
    user = current_actor()
    case = cases.get_case(user, args["case_id"])
    if not user.has_role(HEAD):
        raise Forbidden("只有负责人可以查看案件的审计记录")
    stmt = select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
    page = paginate(stmt, args["page"], args["per_page"])
    return page_payload(page, AuditEventSchema(many=True).dump([row[0] for row in page.items]))
