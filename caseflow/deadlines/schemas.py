"""Marshmallow schema of a statutory deadline as seen on a given day.

The status shown is the effective one (paused while an excluded period is open, overdue once the day
has passed, even before the nightly sweep has written it), with the days left counted from `today`.
"""
from marshmallow import fields, validate

from caseflow.schemas import BaseSchema
from caseflow.deadlines.models import DEADLINE_STATUSES
from caseflow.deadlines.services import days_left, effective_status

STATUS_LABELS = {**DEADLINE_STATUSES, "paused": "暂停计算"}


class DeadlineExtensionSchema(BaseSchema):
    kind = fields.String()
    days = fields.Integer()
    previous_due_on = fields.Date()
    new_due_on = fields.Date()
    reason = fields.String()


class DeadlineExclusionSchema(BaseSchema):
    start_on = fields.Date()
    end_on = fields.Date(allow_none=True)
    reason = fields.String()


class DeadlineSchema(BaseSchema):
    id = fields.Integer()
    code = fields.String()
    kind = fields.String()
    legal_basis = fields.String()
    start_on = fields.Date()
    days = fields.Integer()
    unit = fields.String()
    unit_label = fields.String()
    due_on = fields.Date()
    status = fields.Method("_status")
    status_label = fields.Method("_status_label")
    days_left = fields.Method("_days_left")
    met_on = fields.Date(allow_none=True)
    waived_reason = fields.String(allow_none=True)
    calendar_warning = fields.String(allow_none=True)
    extensions = fields.List(fields.Nested(DeadlineExtensionSchema))
    exclusions = fields.List(fields.Nested(DeadlineExclusionSchema))

    def __init__(self, *, today, **kwargs):
        super().__init__(**kwargs)
        self.today = today

    def _status(self, deadline):
        return effective_status(deadline, self.today)

    def _status_label(self, deadline):
        return STATUS_LABELS[effective_status(deadline, self.today)]

    def _days_left(self, deadline):
        """Days until the due day while the deadline runs (negative once overdue); None once met or waived."""
        if effective_status(deadline, self.today) in ("met", "waived"):
            return None
        return days_left(deadline, self.today)


class WarningArgsSchema(BaseSchema):
    scope = fields.String(load_default="mine", metadata={"label": "范围"},
                          validate=validate.OneOf(["mine", "unit", "organisation"],
                                                  error="范围应为 mine（我承办的）、unit（本单位）或 organisation（本单位及下级）"))


class WarningSchema(BaseSchema):
    """One row of 超期预警."""
    level = fields.String()
    level_label = fields.String()
    days_left = fields.Integer()
    working_days_left = fields.Integer()
    deadline = fields.Method("_deadline")
    case = fields.Function(lambda w: {"id": w.case.id, "case_number": w.case.case_number, "title": w.case.title})

    def _deadline(self, warning):
        d = warning.deadline
        return {"id": d.id, "code": d.code, "kind": d.kind, "legal_basis": d.legal_basis,
                "due_on": d.due_on.isoformat(), "unit": d.unit}
