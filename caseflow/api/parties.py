"""Parties of the user's organisation: list (ID numbers masked unless allowed) and registration."""
from sqlalchemy import or_, select

from caseflow.api import api_bp
from caseflow.api.auth import current_actor
from caseflow.api.common import created, load_json, load_query, page_payload, paginate
from caseflow.parties import services as parties
from caseflow.parties.models import Party
from caseflow.parties.schemas import PartyInputSchema, PartyListArgsSchema, PartySchema


def _parties_of(user, q: str | None):
    stmt = select(Party).where(Party.organisation_id == user.organisation_id)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Party.name.like(like), Party.credit_code.like(like)))
    return stmt.order_by(Party.name, Party.id)


@api_bp.get("/parties")
def list_parties():
    args = load_query(PartyListArgsSchema())
    user = current_actor()
    page = paginate(_parties_of(user, args.get("q")), args["page"], args["per_page"])
    schema = PartySchema(full_id=parties.can_see_full_id(user), many=True)
    return page_payload(page, schema.dump([row[0] for row in page.items]))


@api_bp.post("/parties")
def create_party():
    data = load_json(PartyInputSchema(), "当事人信息")
    user = current_actor()
    party = parties.create_party(user, data)
    return created(PartySchema(full_id=parties.can_see_full_id(user)).dump(party))
