"""Creating parties, with identifier check digits validated (GB 32100, GB 11643)."""
from sqlalchemy import select

from caseflow.audit import services as audit
from caseflow.auth.roles import OFFICER
from caseflow.db import unit_of_work
from caseflow.errors import Conflict, Forbidden, ValidationFailed
from caseflow.extensions import db
from caseflow.parties.models import ORGANISATION_KINDS, PARTY_KINDS, Party
from caseflow.parties.validators import InvalidIdentifier, validate_credit_code, validate_id_number


@unit_of_work
def create_party(actor, data: dict) -> Party:
    if actor is not None and not actor.has_role(OFFICER):
        raise Forbidden("只有执法人员可以登记当事人")
    errors = {}
    kind = data.get("kind")
    if kind not in PARTY_KINDS:
        errors["kind"] = "当事人类型无效"
    name = (data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = "请填写当事人名称（不超过 100 字）"
    credit_code = id_number = None
    if (data.get("credit_code") or "").strip():
        try:
            credit_code = validate_credit_code(data["credit_code"])
        except InvalidIdentifier as exc:
            errors["credit_code"] = str(exc)
    if (data.get("id_number") or "").strip():
        try:
            id_number = validate_id_number(data["id_number"])
        except InvalidIdentifier as exc:
            errors["id_number"] = str(exc)
    if kind in ORGANISATION_KINDS and not credit_code and "credit_code" not in errors:
        errors["credit_code"] = "单位当事人须填写统一社会信用代码"
    if kind in ORGANISATION_KINDS and not (data.get("legal_representative") or "").strip():
        errors["legal_representative"] = "单位当事人须填写法定代表人或主要负责人"
    if kind == "insured" and not id_number and "id_number" not in errors:
        errors["id_number"] = "参保人员须填写身份证号"
    if kind == "other" and not credit_code and not id_number and not errors.get("credit_code") \
            and not errors.get("id_number"):
        errors["credit_code"] = "请填写统一社会信用代码或身份证号"
    for key, limit in (("address", 200), ("phone", 30), ("legal_representative", 40)):
        if len(data.get(key) or "") > limit:
            errors[key] = f"不能超过 {limit} 字"
    if errors:
        raise ValidationFailed("当事人信息填写有误：" + "；".join(errors.values()), errors)
    if credit_code and db.session.execute(select(Party).where(Party.credit_code == credit_code)).first():
        raise Conflict("该统一社会信用代码的当事人已登记", {"credit_code": "已存在"})
    party = Party(organisation_id=actor.organisation_id if actor else data["organisation_id"], kind=kind,
                  name=name, credit_code=credit_code, id_number=id_number,
                  legal_representative=(data.get("legal_representative") or "").strip() or None,
                  address=(data.get("address") or "").strip() or None, phone=(data.get("phone") or "").strip() or None)
    db.session.add(party)
    db.session.flush()
    audit.record("PARTY_CREATED", f"登记当事人 {name}（{PARTY_KINDS[kind]}）", actor=actor,
                 organisation_id=party.organisation_id, after={"party_id": party.id, "kind": kind})
    return party


def can_see_full_id(user, case=None) -> bool:
    """Full ID numbers only for the officers handling the case and heads; everyone else sees them masked."""
    from caseflow.auth.roles import HEAD
    from caseflow.cases.access import is_assigned
    if user is None:
        return False
    if user.has_role(HEAD):
        return True
    return case is not None and user.has_role(OFFICER) and is_assigned(user, case)
