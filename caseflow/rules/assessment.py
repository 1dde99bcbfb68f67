"""Penalty assessment: from violation items and circumstances to the sanctions the law allows, with
every procedural consequence a careful legal reviewer would point out (legal spec §2–§3, §6, §10).

`assess(payload, calendar=None)` is the one service behind `POST /api/v1/assessments` and
`flask caseflow assess FILE`. Money is exact (Decimal, never float) and printed as strings with two
decimals; 以上 / 以下 include the figure (spec §2.4). Invalid input raises ValidationFailed whose details
name each field (dotted path, e.g. ``items.0.amount``) with a Chinese message.

What is decided here, each rule with its article:
  * sanctions per article from the catalogue (violations.yaml), Art. 38 / 41(1) with a fraud purpose
    moved to Art. 40 / 41(2) (Order 735 Art. 40(2), Art. 41(2));
  * one fine for one act breaching several rules (行政处罚法 Art. 29);
  * limitation (行政处罚法 Art. 36) and no-penalty grounds (Arts. 30, 31, 33, 40); mitigation (Arts. 30–32);
  * hearing right (Art. 63), legal review (Art. 58 + profile), collective discussion (Art. 57(2), ⚠ rule),
    criminal-referral check (Arts. 27, 82; Order 310 Art. 3; spec §3.15), simplified procedure (Art. 51);
  * discretion benchmarks of the profile (Art. 34), never invented (spec §6.5 E);
  * a proposed penalty checked against all of it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from marshmallow import fields, validate

from caseflow.schemas import BaseSchema, load_or_raise
from caseflow.errors import ValidationFailed
from caseflow.rules.catalogue import (
    CIRCUMSTANCES,
    CITIZEN_SUBJECTS,
    SUBJECTS,
    Citation,
    parameter,
    referral,
    violations,
)
from caseflow.rules.fields import Yuan
from caseflow.rules.profiles import COLLECTIVE_TRIGGERS, DEFAULT_PROFILE, Profile, get_profile
from caseflow.rules.timelimits import limitation

ZERO = Decimal(0)
CENT = Decimal("0.01")

# 行政处罚法 Art. 51: on-the-spot (simplified) decisions only for a warning or a fine of at most
# 200 yuan on a citizen / 3,000 yuan on an organisation.
SIMPLIFIED_LIMIT = {"citizen": Decimal(200), "organisation": Decimal(3000)}

# 行政处罚法 Art. 32: grounds on which the penalty MUST be lighter or mitigated (and Art. 30 for minors).
MUST_MITIGATE = {
    "aged_14_18": ("已满十四周岁不满十八周岁", Citation("APL", 30, mark="✅")),
    "eliminated_harm": ("主动消除或者减轻违法行为危害后果", Citation("APL", 32, item=1, mark="✅")),
    "coerced": ("受他人胁迫或者诱骗实施违法行为", Citation("APL", 32, item=2, mark="✅")),
    "confessed_unknown": ("主动供述行政机关尚未掌握的违法行为", Citation("APL", 32, item=3, mark="✅")),
    "meritorious": ("配合行政机关查处违法行为有立功表现", Citation("APL", 32, item=4, mark="✅")),
}
# Art. 31 second sentence: MAY be lighter or mitigated (a statutory ground, so 减轻 is open too).
MAY_MITIGATE_STATUTORY = {
    "limited_mental_capacity": ("尚未完全丧失辨认或者控制自己行为能力", Citation("APL", 31, mark="✅")),
}
# From-light factors of the discretion framework (医保发〔2021〕35号 ◐/⚠, spec §6.3): MAY be lighter
# within the range (从轻); they are not grounds for going below the minimum (减轻).
MAY_LIGHTER = {
    "first_violation": "初次违法",
    "refunded_voluntarily": "主动全额退回",
    "cooperated": "积极配合调查",
    "corrected_promptly": "及时改正",
    "minor_harm": "危害后果轻微",
}
AGGRAVATING = {
    "serious_consequences": "造成严重后果",
    "repeat_violation": "多次违法",
    "obstructed_investigation": "拒绝、阻碍调查",
}
# Circumstances that cannot both be true.
CONFLICTS = [
    ("minor_under_14", "aged_14_18"), ("mental_incapacity", "limited_mental_capacity"),
    ("refused_to_correct", "corrected_promptly"), ("serious_consequences", "no_harmful_consequence"),
    ("serious_consequences", "minor_harm"), ("first_violation", "repeat_violation"),
]
PERSON_ONLY = ("minor_under_14", "aged_14_18", "mental_incapacity", "limited_mental_capacity")

APL = "APL"


def _cite(article, paragraph=None, item=None, law=APL, mark="✅") -> str:
    return Citation(law, article, paragraph, item, mark).text


# -- input -------------------------------------------------------------------------------------------

class ItemSchema(BaseSchema):
    article = fields.String(required=True, metadata={"label": "违法条款"})
    amount = Yuan(load_default=None, allow_none=True, metadata={"label": "金额"})
    fraud_purpose = fields.Boolean(load_default=False, metadata={"label": "以骗取为目的"})
    act = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40, error="不能超过 40 个字"),
                        metadata={"label": "违法行为标识"})
    illegal_gains = Yuan(load_default=None, allow_none=True, metadata={"label": "违法所得"})

    def on_bind_field(self, field_name, field_obj):
        super().on_bind_field(field_name, field_obj)
        if field_name == "article":
            field_obj.validators = [validate.OneOf(sorted(violations()),
                                                   error="未知条款，应为 " + "、".join(violations()) + " 之一")]


class ProposedSchema(BaseSchema):
    fine = Yuan(load_default=None, allow_none=True, metadata={"label": "拟罚款"})
    service_suspension_months = fields.Integer(
        strict=True, load_default=None, allow_none=True, metadata={"label": "拟暂停医药服务月数"},
        validate=validate.Range(min=0, max=120, error="应为 0–120 的整数"))
    settlement_suspension_months = fields.Integer(
        strict=True, load_default=None, allow_none=True, metadata={"label": "拟暂停联网结算月数"},
        validate=validate.Range(min=0, max=120, error="应为 0–120 的整数"))


class AssessmentSchema(BaseSchema):
    profile = fields.String(load_default=DEFAULT_PROFILE, metadata={"label": "辖区配置"})
    subject = fields.String(required=True, metadata={"label": "当事人类型"}, validate=validate.OneOf(
        list(SUBJECTS), error="当事人类型应为 institution（定点医疗机构）、pharmacy（定点零售药店）、"
                              "individual（个人）或 agency（医疗保障经办机构）"))
    insured = fields.Boolean(load_default=None, allow_none=True, metadata={"label": "是否参保人员"})
    items = fields.List(fields.Nested(ItemSchema), required=True, metadata={"label": "违法行为"},
                        validate=validate.Length(min=1, max=50, error="应填写 1–50 项违法行为"))
    circumstances = fields.List(
        fields.String(validate=validate.OneOf(list(CIRCUMSTANCES), error="未知情节代码")),
        load_default=list, metadata={"label": "情节"})
    conduct_ended_on = fields.Date(required=True, metadata={"label": "违法行为发生（终了）日"})
    discovered_on = fields.Date(required=True, metadata={"label": "发现日"})
    hearing_held = fields.Boolean(load_default=False, metadata={"label": "已举行听证"})
    proposed = fields.Nested(ProposedSchema, load_default=None, allow_none=True, metadata={"label": "拟处罚"})


def _validate(payload) -> dict:
    if not isinstance(payload, dict):
        raise ValidationFailed("提交的数据有误：应为 JSON 对象", {"_schema": "应为 JSON 对象"})
    data = load_or_raise(AssessmentSchema(), payload, "裁量测算参数")
    errors: dict[str, str] = {}
    subject = data["subject"]
    catalogue = violations()
    for index, item in enumerate(data["items"]):
        violation = catalogue[item["article"]]
        if subject not in violation.subjects:
            errors[f"items.{index}.article"] = (
                f"{violation.citation.text}适用于{'、'.join(SUBJECTS[s] for s in violation.subjects)}，"
                f"不适用于{SUBJECTS[subject]}")
            continue
        if violation.amount_base != "none" and item["amount"] is None:
            errors[f"items.{index}.amount"] = f"此条款须填写{violation.amount_label}（元）"
        elif violation.amount_base == "defrauded" and item["amount"] == ZERO:
            errors[f"items.{index}.amount"] = "骗取金额应大于零"
        if item["illegal_gains"] is not None and violation.confiscation != "illegal_gains":
            errors[f"items.{index}.illegal_gains"] = "仅侵占、挪用基金（第四十四条）的违法所得单独填写"
    if subject == "individual" and data["insured"] is None:
        errors["insured"] = "当事人为个人的，须填写是否为参保人员（true / false）"
    present = set(data["circumstances"])
    for first, second in CONFLICTS:
        if first in present and second in present:
            errors["circumstances"] = f"情节“{CIRCUMSTANCES[first]}”与“{CIRCUMSTANCES[second]}”不能同时存在"
    if subject != "individual" and present & set(PERSON_ONLY):
        errors["circumstances"] = "年龄、精神状况情节仅适用于个人当事人"
    if errors:
        summary = "；".join(f"{path}：{message}" for path, message in errors.items())
        raise ValidationFailed(f"裁量测算参数有误：{summary}", errors)
    data["circumstances"] = sorted(present)
    return data


# -- per item ------------------------------------------------------------------------------------------

def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount.quantize(CENT, ROUND_HALF_UP):.2f}"


def _range(amount: Decimal, low: Decimal, high: Decimal, *, fixed=False) -> tuple[Decimal, Decimal]:
    """low×–high× the amount, rounded to the fen inward so the range never leaves the legal one
    (a fixed multiple is rounded half-up once, so min == max)."""
    if fixed:
        value = (amount * low).quantize(CENT, ROUND_HALF_UP)
        return value, value
    return (amount * low).quantize(CENT, ROUND_CEILING), (amount * high).quantize(CENT, ROUND_FLOOR)


def _multiple_text(low: Decimal, high: Decimal) -> str:
    def fmt(d):
        return format(d.normalize(), "f")
    return f"{fmt(low)}倍" if low == high else f"{fmt(low)}倍以上{fmt(high)}倍以下"


@dataclass
class Item:
    index: int
    article: str
    requested: str
    amount: Decimal | None
    fraud_purpose: bool
    act: str | None
    illegal_gains: Decimal | None
    basis: list = field(default_factory=list)
    refund: Decimal = ZERO
    confiscation: Decimal | None = ZERO
    fine_min: Decimal = ZERO
    fine_max: Decimal = ZERO
    fine_rule: str = ""
    service_months: tuple | None = None
    service_mode: str | None = None
    service_condition: str | None = None
    service_triggered: bool = False
    settlement_months: tuple | None = None
    termination: str | None = None
    referrals: list = field(default_factory=list)
    corrective: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    same_act_as: str | None = None
    benchmark: dict | None = None

    @property
    def violation(self):
        return violations()[self.article]

    @property
    def fined(self) -> bool:
        return self.fine_max > 0


def _build_item(index: int, raw: dict, subject: str, insured: bool | None, circumstances: set) -> Item:
    catalogue = violations()
    requested = raw["article"]
    violation = catalogue[requested]
    amount = raw["amount"]
    notes = []
    # Order 735 Art. 40(2) / Art. 41(2): conduct of Art. 38 / Art. 41(1) with a fraud purpose that
    # caused a loss is handled under the fraud article.
    if violation.fraud_moves_to and raw["fraud_purpose"]:
        if amount and amount > 0:
            notes.append(f"以骗取医疗保障基金为目的实施该行为并造成基金损失，依{violation.fraud_moves_citation.text}"
                         f"按{catalogue[violation.fraud_moves_to].citation.text}处理")
            article = violation.fraud_moves_to
            moved_from = violation
            violation = catalogue[article]
        else:
            notes.append("未造成基金损失，以骗取为目的不改变适用条款")
            article, moved_from = requested, None
    else:
        article, moved_from = requested, None
        if raw["fraud_purpose"] and not violation.fraud:
            notes.append(f"{violation.citation.text}不以骗取为构成要件；如存在骗取行为，请按相应骗取条款录入")
    item = Item(index, article, requested, amount, raw["fraud_purpose"], raw["act"], raw["illegal_gains"])
    item.basis = ([violation.citation, moved_from.fraud_moves_citation, moved_from.citation] if moved_from
                  else [violation.citation])
    item.notes = notes
    item.corrective = list(violation.corrective)
    base = amount or ZERO

    # Refund (责令退回 / 责令追回) is restitution, not a penalty (spec §2.2): the base amount.
    if violation.refund and base > 0:
        item.refund = base
    # Confiscation of illegal gains (Order 735 Arts. 42, 44).
    if violation.confiscation == "amount":
        item.confiscation = base
    elif violation.confiscation == "illegal_gains":
        item.confiscation = raw["illegal_gains"]
        if raw["illegal_gains"] is None:
            item.notes.append("有违法所得的，没收违法所得（数额据实认定后填写 illegal_gains）")

    fine = violation.fine
    if fine.kind == "multiple":
        item.fine_rule = f"{violation.amount_label}的{_multiple_text(fine.min, fine.max)}罚款"
        if base > 0:
            item.fine_min, item.fine_max = _range(base, fine.min, fine.max)
        else:
            item.notes.append("未造成医疗保障基金损失的，不予罚款（仅责令改正）")
    elif fine.kind == "fixed":
        item.fine_rule = f"{_money(fine.min)}元以上{_money(fine.max)}元以下罚款"
        if not fine.requires_any or set(fine.requires_any) & circumstances:
            item.fine_min, item.fine_max = fine.min, fine.max
        else:
            # Order 735 Art. 39: "拒不改正的，处1万元以上5万元以下的罚款" — no refusal, no fine.
            item.fine_rule += f"（以{fine.condition}为前提）"
            item.notes.append(f"未{fine.condition}的，不得罚款，仅责令改正（可以约谈有关负责人）；"
                              f"罚款前卷中须有已送达的责令改正通知书")
    else:
        item.fine_rule = "本条未规定罚款"

    rule = violation.service_suspension
    if rule:
        item.service_mode = rule.mode
        item.service_condition = rule.condition
        item.service_triggered = rule.mode == "mandatory" or bool(set(rule.when_any) & circumstances)
        if item.service_triggered:
            item.service_months = rule.months
        else:
            item.notes.append(f"{rule.condition}的，方可责令暂停相关责任部门{rule.months[0]}至{rule.months[1]}个月"
                              "涉及医疗保障基金使用的医药服务")
    settlement = violation.settlement_suspension
    if settlement:
        if not settlement.insured_only or insured:
            item.settlement_months = settlement.months
        else:
            item.notes.append("当事人不属于参保人员，不适用暂停医疗费用联网结算")
    if violation.agreement_termination and (not violation.agreement_termination_subjects
                                            or subject in violation.agreement_termination_subjects):
        item.termination = violation.agreement_termination
    codes = list(violation.referrals)
    if item.termination and "agreement_termination" not in codes:
        codes.insert(0, "agreement_termination")
    item.referrals = [dict(referral(code).as_dict(), basis=violation.citation.text) for code in codes]
    return item


# -- one act, several rules (行政处罚法 Art. 29) ------------------------------------------------------

def _same_act_groups(items: list[Item]) -> list[list[Item]]:
    """Items that are one act breaching several rules: same `act` label, or (parameter same_act_rule =
    equal_amount) concurrent articles (e.g. Order 735 Art. 40 + 社会保险法 Art. 87) with equal amounts."""
    groups: list[list[Item]] = []
    rule = parameter("same_act_rule")
    for item in items:
        for group in groups:
            head = group[0]
            if item.act is not None or head.act is not None:
                same = item.act is not None and item.act == head.act
            else:
                same = (rule == "equal_amount" and item.amount is not None and item.amount == head.amount
                        and any(item.article in member.violation.concurrent_with for member in group))
            if same and all(m.article != item.article for m in group):
                group.append(item)
                break
        else:
            groups.append([item])
    return groups


def _merge_same_act(group: list[Item]) -> None:
    """Cite every rule, impose one fine: the rule with the higher fine (Art. 29), one refund."""
    if len(group) < 2:
        return
    primary = max(group, key=lambda i: (i.fine_max, i.fine_min, i.article.startswith("735"), -i.index))
    for other in group:
        if other is primary:
            continue
        for citation in other.basis:
            if citation not in primary.basis:
                primary.basis.append(citation)
        primary.refund = max(primary.refund, other.refund)
        if primary.termination != "required" and other.termination:
            primary.termination = other.termination
        other.refund, other.fine_min, other.fine_max = ZERO, ZERO, ZERO
        other.same_act_as = primary.article
        other.notes.append(f"与 {primary.article} 为同一违法行为：不得给予两次以上罚款，按罚款数额高的规定处罚，"
                           f"罚款及退回金额已计入 {primary.article}（{_cite(29)}）")
    primary.notes.append("同一违法行为违反多个法律规范，一并引用，只给予一次罚款（" + _cite(29) + "）")


# -- benchmarks (行政处罚法 Art. 34; spec §6.5) -------------------------------------------------------

def _benchmark(item: Item, profile: Profile, subject: str, circumstances: set) -> dict | None:
    bench = profile.benchmark_for(item.article, subject)
    if bench is None or not item.fined or item.amount is None:
        return None
    amount = item.amount

    def band_out(band):
        low, high = _range(amount, *band.multiple, fixed=bench.kind == "fixed")
        return {"band": band.band, "multiple": [format(m.normalize(), "f") for m in band.multiple],
                "fine_min": _money(low), "fine_max": _money(high), "condition": band.condition}

    matching = [b for b in bench.bands if b.amount_fits(amount) and b.circumstances_fit(circumstances)]
    out = {"profile": profile.code, "citation": bench.citation.text, "kind": bench.kind, "note": bench.note}
    if len(matching) == 1:
        chosen = band_out(matching[0])
        return {**out, **chosen, "manual_choice_required": False, "candidates": [chosen]}
    if not matching:
        by_amount = [b for b in bench.bands if b.amount_fits(amount)]
        if not by_amount:
            return None
        return {**out, "band": None, "multiple": None, "fine_min": None, "fine_max": None,
                "manual_choice_required": True, "candidates": [band_out(b) for b in by_amount],
                "reason": "案件情节不完全符合基准任一档次的条件，须由办案人员选择档次并说明理由"}
    return {**out, "band": None, "multiple": None, "fine_min": None, "fine_max": None,
            "manual_choice_required": True, "candidates": [band_out(b) for b in matching],
            "reason": "金额恰在基准档次交界处（以上、以下均含本数），同时符合多个档次，须由办案人员选择并说明理由"}


# -- the assessment -------------------------------------------------------------------------------------

def assess(payload: dict, calendar=None) -> dict:
    """Assess a case's violation items under a jurisdiction profile; see the module docstring."""
    data = _validate(payload)
    profile = get_profile(data["profile"])
    subject = data["subject"]
    subject_class = "citizen" if subject in CITIZEN_SUBJECTS else "organisation"
    circumstances = set(data["circumstances"])
    insured = data["insured"]
    notes: list[str] = []

    items = [_build_item(i, raw, subject, insured, circumstances) for i, raw in enumerate(data["items"])]
    groups = _same_act_groups(items)
    for group in groups:
        _merge_same_act(group)

    # Limitation (行政处罚法 Art. 36).
    life_health = "life_health_harm" in circumstances
    limit = limitation(data["conduct_ended_on"], data["discovered_on"], life_health, calendar)
    time_barred = limit["time_barred"]

    # Must not be penalised.
    not_punishable = []
    if time_barred:
        not_punishable.append(f"违法行为在{limit['years']}年内未被发现（{limit['conduct_ended_on']} 终了，"
                              f"{limit['discovered_on']} 发现，时效至 {limit['last_day']}），不再给予行政处罚（{_cite(36)}）")
    if "minor_under_14" in circumstances:
        not_punishable.append(f"不满十四周岁的未成年人有违法行为的，不予行政处罚，责令监护人加以管教（{_cite(30)}）")
    if "mental_incapacity" in circumstances:
        not_punishable.append(f"精神病人、智力残疾人在不能辨认或者不能控制自己行为时有违法行为的，不予行政处罚（{_cite(31)}）")
    if {"minor_harm", "corrected_promptly", "no_harmful_consequence"} <= circumstances:
        not_punishable.append(f"违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚（{_cite(33, 1)}）")
    if "no_fault" in circumstances:
        not_punishable.append(f"当事人有证据足以证明没有主观过错的，不予行政处罚；法律、行政法规另有规定的除外（{_cite(33, 2)}）")
    if "facts_unclear" in circumstances:
        not_punishable.append(f"违法事实不清、证据不足的，不得给予行政处罚（{_cite(40)}）")
    punishable = not not_punishable
    if not punishable:
        notes.append(f"依法不予行政处罚的，应当对当事人进行教育（{_cite(33, 3)}）")

    # May be left unpenalised (首违不罚).
    discretionary = []
    if punishable and {"first_violation", "minor_harm", "corrected_promptly"} <= circumstances:
        discretionary.append(f"初次违法且危害后果轻微并及时改正的，可以不予行政处罚（{_cite(33, 1)}）")

    # Mitigation (行政处罚法 Arts. 30–32) and aggravation.
    must = [f"{text}（{citation.text}）" for key, (text, citation) in MUST_MITIGATE.items() if key in circumstances]
    may_statutory = [f"{text}（{citation.text}）" for key, (text, citation) in MAY_MITIGATE_STATUTORY.items()
                     if key in circumstances]
    may_lighter = [f"{text}（从轻情节：可以在法定幅度内从轻）" for key, text in MAY_LIGHTER.items()
                   if key in circumstances]
    if may_lighter:
        notes.append(f"从轻情节在法定幅度内从轻，不得据此低于法定最低罚款（{Citation('NHSA35', mark='◐').text}）")
    mitigation = "must" if must else ("may" if may_statutory or may_lighter else None)
    mitigation_ground = bool(must or may_statutory)  # a statutory ground: 减轻 below the minimum is open
    aggravating = [text for key, text in AGGRAVATING.items() if key in circumstances]
    if aggravating:
        notes.append("从重处罚不得超过法定最高罚款（规格书§6.5）")
    if must:
        notes.append(f"应当从轻或者减轻行政处罚；减轻（低于法定最低）须书面说明理由并经法制审核（{_cite(32)}）")

    # Benchmarks, on items that carry a fine.
    for item in items:
        if punishable and item.same_act_as is None:
            item.benchmark = _benchmark(item, profile, subject, circumstances)
            if item.fined and item.benchmark is None:
                item.notes.append(f"辖区配置“{profile.name}”未载入该条款的裁量基准，不适用任何裁量档次，仅适用法定幅度（规格书§6.5）")

    # Not punishable: no penalty at all, the refund is still ordered (spec S10; Jiangsu Art. 4 ◐).
    statutory = {}
    if not punishable:
        for item in items:
            statutory[item.index] = {
                "fine_min": _money(item.fine_min), "fine_max": _money(item.fine_max),
                "service_suspension_months": list(item.service_months) if item.service_months else None,
                "settlement_suspension_months": list(item.settlement_months) if item.settlement_months else None,
                "confiscation": _money(item.confiscation)}
            item.fine_min = item.fine_max = ZERO
            item.service_months = item.settlement_months = None
            item.confiscation = ZERO if item.confiscation is not None else None
        if any(i.refund > 0 for i in items):
            notes.append("不予行政处罚不影响责令退回：造成的医疗保障基金损失仍应责令退回或者通过服务协议追回")

    total_refund = sum((i.refund for i in items), ZERO)
    total_min = sum((i.fine_min for i in items), ZERO)
    total_max = sum((i.fine_max for i in items), ZERO)
    confiscations = [i.confiscation for i in items if i.confiscation is not None]
    total_confiscation = sum(confiscations, ZERO)
    service = [i for i in items if i.service_months]
    settlement = [i for i in items if i.settlement_months]
    termination = [i for i in items if i.termination] if punishable else []
    five_year = [i for i in items if any(r["code"] == "five_year_ban" for r in i.referrals)]
    penalty_available = punishable and bool(total_max > 0 or service or settlement or total_confiscation > 0)

    proposed = data["proposed"]
    proposed_fine = proposed.get("fine") if proposed else None
    without_proposal = parameter("amount_triggers_without_proposal")
    fine_for_triggers = (proposed_fine if proposed_fine is not None
                         else (total_min if without_proposal == "fine_min" else total_max))
    if not punishable:
        fine_for_triggers = ZERO

    # Criminal-referral check (spec §3.15 system rule; 行政处罚法 Arts. 27, 82; Order 310 Art. 3).
    fraud_amount = sum((i.amount for i in items if i.violation.fraud and i.same_act_as is None and i.amount),
                       ZERO)
    figure = profile.criminal_threshold
    criminal = fraud_amount > 0 and fraud_amount >= figure.amount
    criminal_reasons = []
    if criminal:
        mark = "（⚠ 本地数额待核实）" if figure.mark == "⚠" else ""
        criminal_reasons.append(
            f"涉嫌骗取医疗保障基金 {_money(fraud_amount)} 元，达到辖区配置“{profile.name}”的诈骗“数额较大”标准 "
            f"{_money(figure.amount)} 元{mark}：作出罚款决定前须记录刑事移送评估；涉嫌犯罪的应当移送公安机关，"
            f"不得以行政处罚代替刑事处罚（{_cite(27)}、{_cite(82)}；{Citation('O310', 3).text}）")
        if not punishable:
            criminal_reasons.append("超过行政处罚追责时效不影响刑事责任的追究，仍须评估是否移送")

    # Hearing right (行政处罚法 Art. 63; profile thresholds and items; spec §3.8).
    hearing = []
    thresholds = profile.hearing_thresholds
    if punishable:
        if thresholds:
            figure_h = thresholds.for_subject(subject)
            basis = "；".join(c.text for c in thresholds.basis)
            who = "公民" if subject_class == "citizen" else "法人或者其他组织"
            if fine_for_triggers > 0 and fine_for_triggers >= figure_h:
                hearing.append(f"{'拟' if proposed_fine is not None else '最低'}罚款 {_money(fine_for_triggers)} 元达到"
                               f"对{who}较大数额罚款标准 {_money(figure_h)} 元（含本数）（{_cite(63, 1, 1)}；{basis}）")
            elif proposed_fine is None and total_max >= figure_h:
                notes.append(f"拟罚款达到 {_money(figure_h)} 元以上的，当事人有权要求听证（{basis}）")
            if thresholds.confiscation and total_confiscation >= figure_h:
                hearing.append(f"没收违法所得 {_money(total_confiscation)} 元达到较大数额标准 {_money(figure_h)} 元"
                               f"（{_cite(63, 1, 2)}；{basis}）")
        elif profile.hearing_thresholds_note and total_max > 0:
            notes.append(profile.hearing_thresholds_note)
        for key, present in (("service_suspension", service), ("settlement_suspension", settlement),
                             ("agreement_termination", termination)):
            trigger = profile.hearing_items.get(key)
            if present and trigger and trigger.enabled:
                hearing.append(_trigger_reason(_HEARING_LABELS[key], trigger))
    hearing_right = bool(hearing)
    if not punishable:
        notes.append("不予行政处罚的，无听证程序")

    # Legal review (行政处罚法 Art. 58; profile amount and item triggers; spec §3.6).
    review = []
    review_thresholds = profile.legal_review_thresholds
    if punishable and review_thresholds:
        figure_r = review_thresholds.for_subject(subject)
        combined = fine_for_triggers + (total_refund if review_thresholds.includes_refund else ZERO)
        what = "退回基金与罚款合计" if review_thresholds.includes_refund else "罚款"
        basis = "；".join(c.text for c in review_thresholds.basis)
        if combined >= figure_r:
            review.append(f"{what} {_money(combined)} 元达到 {_money(figure_r)} 元（含本数）（{basis}）")
        elif proposed_fine is None and total_max + (total_refund if review_thresholds.includes_refund else ZERO) >= figure_r:
            notes.append(f"{what}达到 {_money(figure_r)} 元以上的，须经法制审核（{basis}）")
    if punishable:
        for key, present in (("agreement_termination", termination), ("service_suspension", service),
                             ("settlement_suspension", settlement)):
            trigger = profile.legal_review_items.get(key)
            if present and trigger and trigger.enabled:
                review.append(_trigger_reason(_HEARING_LABELS[key], trigger))
    if data["hearing_held"]:
        review.append(f"案件经过听证程序，直接关系当事人重大权益的，作出决定前须（重新）法制审核（{_cite(58, 1, 2)}）")
    elif hearing_right:
        notes.append(f"如举行听证，作出决定前须（重新）进行法制审核（{_cite(58, 1, 2)}）")
    if profile.legal_review_note and punishable:
        notes.append(profile.legal_review_note)

    # Proposed penalty.
    proposed_check = None
    if proposed is not None:
        proposed_check = _check_proposed(proposed, items, punishable, not_punishable, discretionary,
                                         mitigation_ground, total_min, total_max)
        if proposed_check["mitigated_below_minimum"]:
            review.append("拟减轻处罚（低于法定最低），须书面说明理由并经法制审核通过（规格书§6.5）")
    legal_review = bool(review)

    # Collective discussion (行政处罚法 Art. 57(2) ✅; which cases are "serious" is a ⚠ system rule).
    collective = []
    rule = profile.collective
    if punishable:
        if rule.all_cases:
            collective.append(f"辖区配置“{profile.name}”要求普通程序案件均经集体讨论")
        checks = {
            "service_suspension": bool(service), "settlement_suspension": bool(settlement),
            "agreement_termination": bool(termination), "five_year_ban": bool(five_year),
            "serious_consequences": "serious_consequences" in circumstances,
            "hearing_amount": bool(thresholds) and fine_for_triggers > 0
            and fine_for_triggers >= thresholds.for_subject(subject),
            "criminal_referral": criminal,
        }
        for key in rule.triggers:
            if checks.get(key):
                collective.append(f"{COLLECTIVE_TRIGGERS[key]}（{_cite(57, 2)}；⚠ 本系统认定规则，可在辖区配置中调整）")

    # Simplified procedure (行政处罚法 Art. 51; spec §3.14).
    simplified_reasons = []
    limit_fine = SIMPLIFIED_LIMIT[subject_class]
    if not punishable:
        simplified_reasons.append("依法不予行政处罚")
    elif not penalty_available:
        simplified_reasons.append("所涉条款无可当场作出的罚款")
    else:
        if total_max == 0:
            simplified_reasons.append("没有可当场作出的罚款（医保法规未规定警告）")
        elif total_max > limit_fine:
            simplified_reasons.append(f"法定最高罚款 {_money(total_max)} 元超过当场处罚限额 {_money(limit_fine)} 元"
                                      f"（{_cite(51)}）")
        if settlement:
            simplified_reasons.append("参保人员依《条例》第四十一条应当暂停联网结算，非警告或者罚款，不适用简易程序")
        if service:
            simplified_reasons.append("暂停医药服务不是警告或者罚款，不适用简易程序")
        if total_confiscation > 0:
            simplified_reasons.append("没收违法所得不适用简易程序")
        if termination:
            simplified_reasons.append("涉及解除服务协议，不适用简易程序")
        if criminal:
            simplified_reasons.append("须进行刑事移送评估，不宜当场处罚")
    if subject == "individual" and insured and any(i.article.startswith("735-41") for i in items) \
            and not any("第四十一条" in r for r in simplified_reasons):
        simplified_reasons.append("参保人员适用《条例》第四十一条，不适用简易程序")
    simplified = not simplified_reasons

    # Advice that does not change a flag.
    for item in items:
        if item.article == "SIL-87" and subject in ("institution", "pharmacy") and item.same_act_as is None \
                and not any(i.article == "735-40" for i in items):
            item.notes.append("定点医药机构骗取基金的同一行为亦违反《条例》第四十条（应当责令暂停相关责任部门医药服务），请一并核对")
        if item.article == "SIL-88" and insured and not any(i.article == "735-41-2" for i in items):
            item.notes.append("参保人员骗取基金的同一行为亦违反《条例》第四十一条第二款（应当暂停联网结算），请一并核对")
    if "serious_consequences" in circumstances and subject in ("institution", "pharmacy") and not five_year:
        notes.append("造成医疗保障基金重大损失或者其他严重不良社会影响的，可适用《条例》第四十三条，"
                     "移送有关部门对法定代表人或者主要负责人五年内禁止从事定点医药机构管理活动")

    period = profile.statement_period
    result = {
        "profile": profile.code,
        "profile_name": profile.name,
        "subject": subject,
        "items": [_item_out(item, statutory.get(item.index)) for item in items],
        "total": {"refund": _money(total_refund), "fine_min": _money(total_min), "fine_max": _money(total_max),
                  "confiscation": _money(total_confiscation)},
        "time_barred": time_barred,
        "limitation": {"last_day": limit["last_day"], "years": limit["years"], "basis": limit["basis"]},
        "punishable": punishable,
        "not_punishable_reasons": not_punishable,
        "discretionary_no_penalty": bool(discretionary),
        "discretionary_no_penalty_reasons": discretionary,
        "penalty_available": penalty_available,
        "mitigation": mitigation if punishable else None,
        "mitigation_reasons": (must + may_statutory + may_lighter) if punishable else [],
        "aggravating_factors": aggravating,
        "hearing_right": hearing_right,
        "hearing_reasons": hearing,
        "legal_review_required": legal_review,
        "legal_review_reasons": review,
        "collective_discussion_required": bool(collective),
        "collective_discussion_reasons": collective,
        "criminal_referral_check": criminal,
        "criminal_referral_reasons": criminal_reasons,
        "criminal_threshold": {"amount": _money(figure.amount), "mark": figure.mark, "note": figure.note,
                               "basis": [c.text for c in figure.basis]},
        "simplified_procedure_allowed": simplified,
        "simplified_procedure_reasons": simplified_reasons,
        "statement_period": {"days": period.days, "unit": period.unit, "mark": period.mark,
                             "basis": [c.text for c in period.basis]},
        "notes": list(dict.fromkeys(notes)),
    }
    if proposed_check is not None:
        result["proposed_check"] = proposed_check
    return result


_HEARING_LABELS = {
    "service_suspension": "拟责令暂停相关责任部门涉及医疗保障基金使用的医药服务",
    "settlement_suspension": "拟暂停医疗费用联网结算",
    "agreement_termination": "可能由经办机构解除医疗保障服务协议",
}


def _trigger_reason(label: str, trigger) -> str:
    basis = "；".join(c.text for c in trigger.basis)
    if trigger.mark == "⚠":
        return f"{label}（{basis}；⚠ {trigger.note or '未经核实的规则，系统默认'}）"
    return f"{label}（{basis}）"


def _item_out(item: Item, statutory: dict | None) -> dict:
    out = {
        "article": item.article,
        "title": item.violation.title,
        "amount": _money(item.amount),
        "amount_base": item.violation.amount_label,
        "basis": [c.text for c in item.basis],
        "basis_detail": [c.as_dict() for c in item.basis],
        "refund": _money(item.refund),
        "confiscation": _money(item.confiscation),
        "fine_min": _money(item.fine_min),
        "fine_max": _money(item.fine_max),
        "fine_rule": item.fine_rule,
        "benchmark": item.benchmark,
        "service_suspension_months": list(item.service_months) if item.service_months else None,
        "service_suspension": item.service_mode,
        "service_suspension_condition": item.service_condition,
        "settlement_suspension_months": list(item.settlement_months) if item.settlement_months else None,
        "agreement_termination": item.termination,
        "referrals": item.referrals,
        "corrective": item.corrective,
        "same_act_as": item.same_act_as,
        "notes": item.notes,
    }
    if item.requested != item.article:
        out["requested_article"] = item.requested
    if statutory is not None:
        out["statutory"] = statutory
    return out


def _check_proposed(proposed: dict, items: list[Item], punishable: bool, not_punishable: list,
                    discretionary: list, mitigation_ground: bool, total_min: Decimal, total_max: Decimal) -> dict:
    """Check a proposed penalty against the ranges: above the maximum never; below the minimum only as
    减轻 with a statutory mitigation ground and a passed legal review (spec §6.5; 行政处罚法 Art. 32)."""
    problems, conditions = [], []
    below = False
    fine = proposed.get("fine")
    if fine is not None:
        if not punishable and fine > 0:
            problems.append("依法不予行政处罚，不得罚款：" + "；".join(not_punishable))
        elif fine > total_max and total_max == 0:
            problems.append("所涉条款未规定罚款或者罚款条件未成就，不得罚款")
        elif fine > total_max:
            problems.append(f"拟罚款 {_money(fine)} 元超过法定最高罚款 {_money(total_max)} 元，不得超出法定幅度")
        elif fine < total_min:
            if fine == 0 and discretionary:
                conditions.append("拟依法不予行政处罚（首违不罚）：" + "；".join(discretionary) + "；应当对当事人进行教育")
            elif mitigation_ground:
                below = True
                conditions.append(f"拟罚款 {_money(fine)} 元低于法定最低罚款 {_money(total_min)} 元，属减轻处罚："
                                  f"须写明减轻理由并经法制审核通过（{_cite(32)}；规格书§6.5）")
            else:
                problems.append(f"拟罚款 {_money(fine)} 元低于法定最低罚款 {_money(total_min)} 元，且无法定减轻情节"
                                f"（{_cite(30)}、{_cite(31)}、{_cite(32)}），不得减轻处罚")
        fined = [i for i in items if i.fined and i.same_act_as is None]
        if len(fined) == 1 and fined[0].benchmark and not fined[0].benchmark["manual_choice_required"] \
                and not problems and not below:
            bench = fined[0].benchmark
            if not Decimal(bench["fine_min"]) <= fine <= Decimal(bench["fine_max"]):
                conditions.append(f"拟罚款不在裁量基准“{bench['band']}”档 {bench['fine_min']}–{bench['fine_max']} 元内，"
                                  f"须说明理由（{bench['citation']}）")
    for key, label, ranges, kind in (
            ("service_suspension_months", "暂停相关责任部门医药服务", [i.service_months for i in items if i.service_months],
             "service"),
            ("settlement_suspension_months", "暂停医疗费用联网结算",
             [i.settlement_months for i in items if i.settlement_months], "settlement")):
        months = proposed.get(key)
        if not ranges:
            if months:
                problems.append(f"本案依法不适用（或条件未成就）{label}，不得拟定{months}个月")
            continue
        low, high = min(r[0] for r in ranges), max(r[1] for r in ranges)
        if months is None:
            problems.append(f"未拟定{label}期限：本案依法应当{label}{low}至{high}个月")
        elif months > high:
            problems.append(f"拟{label}{months}个月超过法定最长{high}个月")
        elif months < low:
            if mitigation_ground:
                below = True
                conditions.append(f"拟{label}{months}个月低于法定最短{low}个月，属减轻处罚：须写明理由并经法制审核通过")
            else:
                problems.append(f"拟{label}{months}个月低于法定最短{low}个月，且无法定减轻情节，不得减轻")
    within = not problems and not below
    return {"within_range": within, "problems": problems, "conditions": conditions,
            "mitigated_below_minimum": below, "requires_legal_review": below}
