"""Marshmallow schemas of cases: list filters, the list row, the full case, the transitions a user may
fire and the request that fires one.

The full case never carries the reporter's identity; the party's ID number is masked unless the viewer
may see it (caseflow.parties.services.can_see_full_id). Dates are ISO 8601; amounts in `facts` are
strings with two decimals ("38000.00"), as the workflow effects store them.
"""
from marshmallow import ValidationError, fields, missing, validate, validates, validates_schema

from caseflow.auth.roles import ROLE_LABELS
from caseflow.schemas import BaseSchema, LocalDateTime, PageArgsSchema, text
from caseflow.auth.schemas import UserBriefSchema
from caseflow.deadlines.schemas import DeadlineSchema
from caseflow.parties.schemas import PartyBriefSchema, PartySchema
from caseflow.parties.services import can_see_full_id


def _definitions():
    from caseflow.workflow.engine import definitions
    return definitions()


def _definition(case):
    return _definitions()[case.workflow]


class CaseFiltersSchema(PageArgsSchema):
    """The query string of the case list; loads into the keyword arguments of CaseFilters plus page and
    per_page."""
    state = text(40, label="案件状态")
    workflow = text(40, label="程序")
    officer_id = fields.Integer(allow_none=True, metadata={"label": "承办人员"},
                                validate=validate.Range(min=1, error="人员编号无效"))
    party = text(100, label="当事人")
    number = text(80, label="案号或案件名称")
    received_from = fields.Date(allow_none=True, metadata={"label": "收到线索日期起"})
    received_to = fields.Date(allow_none=True, metadata={"label": "收到线索日期止"})
    filed_from = fields.Date(allow_none=True, metadata={"label": "立案日期起"})
    filed_to = fields.Date(allow_none=True, metadata={"label": "立案日期止"})

    @validates("workflow")
    def _known_workflow(self, value, **_):
        if value and value not in _definitions():
            raise ValidationError("程序无效，应为：" + "、".join(f"{k}（{d.label}）" for k, d in _definitions().items()))

    @validates("state")
    def _known_state(self, value, **_):
        if value and not any(value in d.states for d in _definitions().values()):
            raise ValidationError("案件状态无效")

    @validates_schema
    def _consistent(self, data, **_):
        errors = {}
        if data.get("workflow") in _definitions() and data.get("state") \
                and data["state"] not in _definitions()[data["workflow"]].states:
            errors["state"] = "该程序没有这个状态"
        for start, end in (("received_from", "received_to"), ("filed_from", "filed_to")):
            if data.get(start) and data.get(end) and data[start] > data[end]:
                errors[end] = "截止日期不能早于起始日期"
        if errors:
            raise ValidationError(errors)


class OfficerSchema(BaseSchema):
    user_id = fields.Integer()
    name = fields.String(attribute="user.name")
    credential_no = fields.String(attribute="user.credential_no", allow_none=True)
    lead = fields.Boolean()
    active = fields.Boolean()
    assigned_on = fields.Date()
    removed_on = fields.Date(allow_none=True)
    removed_reason = fields.String(allow_none=True)


class ApprovalSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    form_title = fields.String()
    approver = fields.Nested(UserBriefSchema)
    role = fields.String()
    role_label = fields.Function(lambda a: ROLE_LABELS.get(a.role, a.role))
    decision = fields.String()
    decision_label = fields.String()
    opinion = fields.String()
    decided_at = LocalDateTime()


class RecusalSchema(BaseSchema):
    id = fields.Integer()
    officer = fields.Nested(UserBriefSchema)
    kind = fields.String()
    kind_label = fields.String()
    applicant = fields.String()
    reason = fields.String()
    status = fields.String()
    status_label = fields.String()
    decided_by = fields.Nested(UserBriefSchema, allow_none=True)
    decided_at = LocalDateTime(allow_none=True)
    decision_opinion = fields.String(allow_none=True)


class _CaseCommon(BaseSchema):
    id = fields.Integer()
    case_number = fields.String(allow_none=True)
    title = fields.String()
    cause = fields.String()
    workflow = fields.String()
    workflow_label = fields.Function(lambda c: _definition(c).label)
    state = fields.String()
    state_label = fields.Function(lambda c: _definition(c).state_label(c.state))
    stage = fields.Function(lambda c: _definition(c).states[c.state].stage)
    terminal = fields.Function(lambda c: c.state in _definition(c).terminal)
    version = fields.Integer()
    received_on = fields.Function(lambda c: c.clue.received_on.isoformat() if c.clue else None)
    filed_on = fields.Date(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)


class CaseListItemSchema(_CaseCommon):
    """A row of the case list: no personal identifiers, officers by name."""
    party = fields.Nested(PartyBriefSchema)
    officers = fields.Function(lambda c: [{"user_id": o.user_id, "name": o.user.name, "lead": o.lead}
                                          for o in c.active_officers()])


class CaseDetailSchema(_CaseCommon):
    """The full case for `viewer` on `today`, with the case's deadlines (read by the caller) and, for
    viewers allowed to know it, whether a reporter is on record (never who)."""
    organisation = fields.Function(lambda c: {"id": c.organisation.id, "name": c.organisation.name})
    party = fields.Method("_party")
    clue = fields.Method("_clue")
    officers = fields.List(fields.Nested(OfficerSchema))
    approvals = fields.List(fields.Nested(ApprovalSchema))
    recusals = fields.List(fields.Nested(RecusalSchema))
    deadlines = fields.Method("_deadlines")
    facts = fields.Function(lambda c: dict(c.facts or {}))
    has_reporter = fields.Method("_has_reporter")

    def __init__(self, *, viewer, today, deadlines=(), has_reporter=None, **kwargs):
        super().__init__(**kwargs)
        self.viewer, self.today = viewer, today
        self.deadline_rows, self.reporter_known = list(deadlines), has_reporter

    def _party(self, case):
        return PartySchema(full_id=can_see_full_id(self.viewer, case)).dump(case.party)

    def _clue(self, case):
        if case.clue is None:
            return None
        clue = case.clue
        return {"id": clue.id, "source": clue.source, "source_label": clue.source_label,
                "received_on": clue.received_on.isoformat(), "summary": clue.summary}

    def _deadlines(self, case):
        return DeadlineSchema(today=self.today, many=True).dump(self.deadline_rows)

    def _has_reporter(self, case):
        return missing if self.reporter_known is None else self.reporter_known


class TransitionFieldSchema(BaseSchema):
    """A field of a transition's form, as the client must send it in `data` (decimal: a string such as
    "1234.56"; date: "YYYY-MM-DD"; officers: a list of user ids; user: a user id)."""
    name = fields.String()
    type = fields.String()
    label = fields.String()
    required = fields.Boolean()
    choices = fields.Function(lambda f: [{"value": v, "label": label} for v, label in f.choices])
    max_length = fields.Integer(allow_none=True)
    min = fields.Raw(allow_none=True)
    max = fields.Raw(allow_none=True)
    help = fields.String()
    role = fields.String(allow_none=True)


class TransitionOptionSchema(BaseSchema):
    """One entry of caseflow.workflow.engine.available(): a transition with whether the user may fire
    it now and, if not, every reason why."""
    trigger = fields.String(attribute="transition.trigger")
    label = fields.String(attribute="transition.label")
    description = fields.String(attribute="transition.description")
    style = fields.String(attribute="transition.style")
    internal = fields.Boolean(attribute="transition.internal")
    dest = fields.String(attribute="transition.dest", allow_none=True)
    dest_label = fields.Method("_dest_label")
    roles = fields.Function(lambda a: [{"role": r, "label": ROLE_LABELS[r]} for r in a["transition"].roles])
    allowed = fields.Boolean()
    reasons = fields.List(fields.String())
    fields_ = fields.List(fields.Nested(TransitionFieldSchema), attribute="transition.fields",
                          data_key="fields")

    def __init__(self, *, definition, **kwargs):
        super().__init__(**kwargs)
        self.definition = definition

    def _dest_label(self, option):
        dest = option["transition"].dest
        return self.definition.state_label(dest) if dest else None


class FireTransitionSchema(BaseSchema):
    """POST /cases/<id>/transitions: the trigger, the case version the user saw, and the form data
    (validated by the engine against the transition's declared fields)."""
    trigger = text(60, required=True, label="操作")
    version = fields.Integer(required=True, metadata={"label": "版本号"},
                             validate=validate.Range(min=1, error="版本号无效"))
    data = fields.Dict(keys=fields.String(), load_default=dict, allow_none=True, metadata={"label": "表单数据"})
