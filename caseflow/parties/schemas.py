"""Marshmallow schemas of parties: the input of a new party and the party as shown to a user.

Identity-card numbers are masked (最小必要原则, 个人信息保护法 第六条) unless the viewer may see them
in full (caseflow.parties.services.can_see_full_id); the schema is told which by `full_id`.
"""
from marshmallow import fields, validate

from caseflow.schemas import BaseSchema, PageArgsSchema, text
from caseflow.parties.models import PARTY_KINDS
from caseflow.parties.validators import mask_id_number


class PartyInputSchema(BaseSchema):
    """A new party; identifier check digits and kind-specific rules are checked by the service."""
    kind = fields.String(required=True, metadata={"label": "当事人类型"},
                         validate=validate.OneOf(list(PARTY_KINDS), error="当事人类型无效，应为："
                                                 + "、".join(f"{k}（{v}）" for k, v in PARTY_KINDS.items())))
    name = text(100, required=True, label="当事人名称")
    credit_code = text(30, label="统一社会信用代码")
    id_number = text(30, label="身份证号")
    legal_representative = text(40, label="法定代表人或主要负责人")
    address = text(200, label="地址")
    phone = text(30, label="联系电话")


class PartyListArgsSchema(PageArgsSchema):
    q = text(100, label="名称或统一社会信用代码")


class PartyBriefSchema(BaseSchema):
    """A party named in a list row: no personal identifiers."""
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    name = fields.String()
    credit_code = fields.String(allow_none=True)


class PartySchema(PartyBriefSchema):
    legal_representative = fields.String(allow_none=True)
    id_number = fields.Method("_id_number")
    id_number_masked = fields.Method("_masked")
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    organisation_id = fields.Integer()

    def __init__(self, *, full_id: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.full_id = full_id

    def _id_number(self, party):
        if party.id_number is None:
            return None
        return party.id_number if self.full_id else mask_id_number(party.id_number)

    def _masked(self, party):
        return party.id_number is not None and not self.full_id
