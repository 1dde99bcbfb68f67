"""Marshmallow schemas of clues (线索) and of the confidential reporter record.

A clue as shown never carries the reporter: only, for users allowed to see the reporter
(caseflow.cases.access.can_see_reporter), whether there is one. The reporter's identity has its own
schema, used only by the audited reporter view (Order 735 Art. 35; spec §8).
"""
from dataclasses import dataclass

from marshmallow import ValidationError, fields, missing, validate, validates

from caseflow.schemas import BaseSchema, text
from caseflow.auth.schemas import UserBriefSchema
from caseflow.clues.models import CLUE_SOURCES
from caseflow.parties.schemas import PartyBriefSchema
from caseflow.parties.validators import InvalidIdentifier, validate_id_number


class ReporterInputSchema(BaseSchema):
    name = text(40, required=True, label="举报人姓名")
    phone = text(30, label="联系电话")
    id_number = text(30, label="身份证号")
    address = text(200, label="地址")
    real_name = fields.Boolean(load_default=True, metadata={"label": "实名举报"})
    statement = text(4000, label="举报内容")

    @validates("id_number")
    def _check_id_number(self, value, **_):
        if value and value.strip():
            try:
                validate_id_number(value)
            except InvalidIdentifier as exc:
                raise ValidationError(str(exc)) from exc


class ClueInputSchema(BaseSchema):
    source = fields.String(required=True, metadata={"label": "线索来源"},
                           validate=validate.OneOf(list(CLUE_SOURCES), error="线索来源无效，应为："
                                                   + "、".join(f"{k}（{v}）" for k, v in CLUE_SOURCES.items())))
    received_on = fields.Date(required=True, metadata={"label": "收到日期"})
    summary = text(4000, required=True, label="线索摘要")
    party_id = fields.Integer(required=True, strict=True, metadata={"label": "当事人"},
                              validate=validate.Range(min=1, error="当事人编号无效"))
    cause = text(100, label="案由")
    reporter = fields.Nested(ReporterInputSchema, allow_none=True, metadata={"label": "举报人"})


@dataclass
class ClueView:
    """A clue with the case opened for it; `has_reporter` is None when the viewer may not know."""
    clue: object
    case: object
    has_reporter: bool | None = None


class ClueSchema(BaseSchema):
    id = fields.Integer(attribute="clue.id")
    source = fields.String(attribute="clue.source")
    source_label = fields.String(attribute="clue.source_label")
    received_on = fields.Date(attribute="clue.received_on")
    summary = fields.String(attribute="clue.summary")
    party = fields.Nested(PartyBriefSchema, attribute="clue.party")
    registered_by = fields.Nested(UserBriefSchema, attribute="clue.registered_by")
    case_id = fields.Integer(attribute="case.id")
    case_number = fields.String(attribute="case.case_number", allow_none=True)
    case_state = fields.String(attribute="case.state")
    case_version = fields.Integer(attribute="case.version")
    has_reporter = fields.Method("_has_reporter")

    def _has_reporter(self, view):
        return missing if view.has_reporter is None else view.has_reporter


class ReporterSchema(BaseSchema):
    """The reporter's identity: only for the audited reporter view."""
    name = fields.String()
    real_name = fields.Boolean()
    phone = fields.String(allow_none=True)
    id_number = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    statement = fields.String(allow_none=True)
