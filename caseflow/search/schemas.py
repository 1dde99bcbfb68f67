"""Marshmallow schemas of search: the query parameters (API query string and the web form alike) and the
result. A snippet is plain text plus the [start, end) character ranges of the matches inside it
(`highlights`); `snippet_html` is the same snippet HTML-escaped with <mark> around each match."""
from marshmallow import ValidationError, fields, validate, validates, validates_schema

from caseflow.schemas import BaseSchema, text
from caseflow.search.models import KINDS
from caseflow.search.queries import CANDIDATES, MAX_PER_PAGE

DATE_RANGES = (("filed_from", "filed_to"), ("decided_from", "decided_to"), ("closed_from", "closed_to"))


def _amount(label):
    return fields.Decimal(allow_none=True, places=2, metadata={"label": label},
                          validate=validate.Range(min=0, error="金额不能为负数"),
                          error_messages={"invalid": "应为金额（元），如 38000 或 38000.50"})


class SearchArgsSchema(BaseSchema):
    q = text(200, label="检索词")
    case_number = text(80, label="案号")
    party = text(100, label="当事人名称或统一社会信用代码")
    cause = text(100, label="案由或条款")
    officer = text(40, label="承办人员")
    organisation_id = fields.Integer(allow_none=True, metadata={"label": "办案单位"},
                                     validate=validate.Range(min=1, max=2**31 - 1, error="单位编号无效"))
    state = text(40, label="案件状态")
    kind = fields.String(allow_none=True, metadata={"label": "类别"},
                         validate=validate.OneOf(tuple(KINDS), error="类别应为 case（案件）、document（文书）或 evidence（证据）"))
    filed_from = fields.Date(allow_none=True, metadata={"label": "立案日期起"})
    filed_to = fields.Date(allow_none=True, metadata={"label": "立案日期止"})
    decided_from = fields.Date(allow_none=True, metadata={"label": "决定日期起"})
    decided_to = fields.Date(allow_none=True, metadata={"label": "决定日期止"})
    closed_from = fields.Date(allow_none=True, metadata={"label": "结案日期起"})
    closed_to = fields.Date(allow_none=True, metadata={"label": "结案日期止"})
    amount_min = _amount("罚款金额下限")
    amount_max = _amount("罚款金额上限")
    page = fields.Integer(load_default=1, metadata={"label": "页码"},
                          validate=validate.Range(min=1, max=1_000_000, error="页码应为不小于 1 的整数"))
    per_page = fields.Integer(load_default=20, metadata={"label": "每页条数"},
                              validate=validate.Range(min=1, max=MAX_PER_PAGE,
                                                      error=f"每页条数应在 1 到 {MAX_PER_PAGE} 之间"))

    @validates("state")
    def _known_state(self, value, **_):
        from caseflow.workflow.engine import definitions
        if value and not any(value in d.states for d in definitions().values()):
            raise ValidationError("案件状态无效")

    @validates_schema
    def _consistent(self, data, **_):
        errors = {}
        for start, end in DATE_RANGES + (("amount_min", "amount_max"),):
            if data.get(start) is not None and data.get(end) is not None and data[start] > data[end]:
                errors[end] = "上限不能小于下限" if start == "amount_min" else "截止日期不能早于起始日期"
        if (data.get("page", 1) - 1) * data.get("per_page", 20) >= CANDIDATES:
            errors["page"] = f"只列出前 {CANDIDATES} 条结果，请增加检索词或筛选条件以缩小范围"
        if not (data.get("q") or "").strip() and not any(
                data.get(name) not in (None, "") for name in self.fields if name not in ("q", "page", "per_page")):
            errors["q"] = "请输入检索词或至少一个筛选条件"
        if errors:
            raise ValidationError(errors)


class HitSchema(BaseSchema):
    kind = fields.String()
    kind_label = fields.String()
    ref_id = fields.Integer()
    case_id = fields.Integer()
    case_number = fields.String(allow_none=True)
    case_title = fields.String()
    state = fields.String()
    state_label = fields.String()
    document = fields.String(attribute="title")
    score = fields.Float()
    snippet = fields.String()
    highlights = fields.Function(lambda hit: [list(r) for r in hit.highlights])
    snippet_html = fields.String()


class SearchResultSchema(BaseSchema):
    items = fields.List(fields.Nested(HitSchema), attribute="hits")
    total = fields.Integer()
    capped = fields.Boolean()
    total_label = fields.String()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
    terms = fields.List(fields.String())
