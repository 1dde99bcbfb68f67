"""Statutory time limits a 医保 department runs (legal spec §4), one service behind `flask caseflow timelimit`.

`compute(payload, calendar)` takes ``{"kind": ..., ...}`` and returns the due day with its unit, its
legal basis (⚠ citations marked 「条款待核实」) and the calendar's warnings for years whose holiday
schedule is unknown. Counting (spec §0.3; 民事诉讼法 Art. 85; 行政处罚法 Art. 85; 行政强制法 Art. 69):
the start day is not counted; a period ending on a rest day ends on the next working day; the 2/3/5/7-day
periods of 行政处罚法 and ≤10-day periods of 行政强制法 are working days; month periods end on the
corresponding day (民法典 Art. 202). The counting itself is WorkingCalendar's; this module knows which
limit applies, from which day, with which extension and exclusion.

Days and units of limits the workflow already schedules come from time_limits.yaml (one source for each
number); data/timelimit_kinds.yaml adds the structured citations and the limits the workflow does not
schedule yet.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from marshmallow import ValidationError, fields, validate, validates_schema

from caseflow.schemas import BaseSchema, load_or_raise
from caseflow.deadlines.calendar import WorkingCalendar
from caseflow.errors import ConfigurationError, ValidationFailed
from caseflow.rules.catalogue import Citation, parameter, parse_citations, read_yaml
from caseflow.rules.fields import PeriodList, Yuan
from caseflow.rules.time_limits import time_limits

UNITS = {"working": "工作日", "calendar": "日（自然日）", "months": "个月", "years": "年"}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Kind:
    key: str
    code: str
    title: str
    start: str
    unit: str
    days: int | None
    months: int | None
    years: int | None
    citations: tuple[Citation, ...]
    extension: dict | None
    extras: dict

    @property
    def basis(self) -> list[str]:
        return [c.text for c in self.citations]


_KIND_KEYS = {"code", "title", "start", "days", "months", "years", "unit", "citations", "extension"}


def build_kinds(raw, file: str = "timelimit_kinds.yaml") -> dict[str, Kind]:
    """Validate the kinds file against time_limits.yaml; ConfigurationError names every bad entry."""
    if not isinstance(raw, dict):
        raise ConfigurationError(f"规则数据 {file} 有误：应为以期限种类为键的映射")
    catalogue = time_limits()
    errors: dict[str, str] = {}
    result = {}
    for key, spec in raw.items():
        where = str(key)
        if not isinstance(spec, dict) or not isinstance(spec.get("code"), str):
            errors[where] = "须写明期限编号 code"
            continue
        code = spec["code"]
        citations = parse_citations(spec.get("citations"), f"{where}.citations", errors)
        extension = spec.get("extension")
        if extension is not None:
            if not isinstance(extension, dict):
                errors[f"{where}.extension"] = "应为对象"
            else:
                extension = {**extension, "citations": parse_citations(extension.get("citations"),
                                                                       f"{where}.extension.citations", errors)}
        if code in catalogue:
            limit = catalogue[code]
            if any(k in spec for k in ("days", "unit")) and (spec.get("days", limit.days) != limit.days
                                                            or spec.get("unit", limit.unit) != limit.unit):
                errors[where] = f"{code} 的期限已在 time_limits.yaml 中规定，不得另设不同的天数或单位"
                continue
            unit, days, months, years = limit.unit, limit.days, None, None
            if isinstance(extension, dict) and limit.extension_days is not None:
                if extension.get("days", limit.extension_days) != limit.extension_days:
                    errors[f"{where}.extension.days"] = f"{code} 的延长天数已在 time_limits.yaml 中规定"
                    continue
                extension["days"] = limit.extension_days
            if unit == "months":
                days, months = None, limit.days
        else:
            unit = spec.get("unit")
            if unit not in UNITS:
                errors[f"{where}.unit"] = f"单位应为 {'、'.join(UNITS)} 之一"
                continue
            days, months, years = spec.get("days"), spec.get("months"), spec.get("years")
            number = {"months": months, "years": years}.get(unit, days)
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                errors[where] = "期限数值应为非负整数"
                continue
        extras = {k: v for k, v in spec.items() if k not in _KIND_KEYS}
        for extra_key in ("excluded_citations", "litigation_citations", "absolute_bar_citations"):
            if extra_key in extras:
                extras[extra_key] = parse_citations(extras[extra_key], f"{where}.{extra_key}", errors)
        result[where] = Kind(where, code, spec.get("title") or code, spec.get("start") or "", unit, days, months,
                             years, citations, extension, extras)
    if errors:
        listed = "；".join(f"{path}：{message}" for path, message in errors.items())
        raise ConfigurationError(f"规则数据 {file} 有误：{listed}")
    return result


@lru_cache(maxsize=1)
def kinds() -> dict[str, Kind]:
    return build_kinds(read_yaml("timelimit_kinds.yaml"))


# -- input schemas -----------------------------------------------------------------------------------

def _date(label, required=True):
    return fields.Date(required=required, allow_none=not required, metadata={"label": label})


class _Base(BaseSchema):
    kind = fields.String(required=True, metadata={"label": "期限种类"})


class _Start(_Base):
    start = _date("起算日")


class _Extendable(_Start):
    extended = fields.Boolean(load_default=False, metadata={"label": "已批准延长"})


class _Sealing(_Extendable):
    excluded = PeriodList(load_default=list, metadata={"label": "不计入期间"})


class _Decision(_Start):
    extensions = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, error="延长天数应为正整数")),
                             load_default=list, metadata={"label": "已批准的延长天数"})
    excluded = PeriodList(load_default=list, metadata={"label": "不计入期间"})


class _Statement(_Start):
    profile = fields.String(load_default=None, allow_none=True, metadata={"label": "辖区配置"})


class _HearingNotice(_Base):
    hearing_date = _date("听证日期")


class _CourtApplication(_Base):
    served_on = _date("决定书送达日")
    instalments_until = _date("暂缓或者分期缴纳期限届满日", required=False)


class _Reconsideration(_Start):
    informed_of_right = fields.Boolean(load_default=True, metadata={"label": "已告知复议权利"})


class _Limitation(_Base):
    conduct_ended_on = _date("违法行为发生（终了）日")
    discovered_on = _date("发现日")
    life_health_harm = fields.Boolean(load_default=False, metadata={"label": "涉及生命健康安全且有危害后果"})


class _Surcharge(_Base):
    fine = Yuan(required=True, metadata={"label": "罚款数额"})
    due = _date("缴款期限届满日")
    paid_on = _date("实际缴纳日", required=False)
    as_of = _date("计算截至日", required=False)
    paused = PeriodList(load_default=list, metadata={"label": "复议、诉讼期间"})
    refund = Yuan(load_default=None, allow_none=True, metadata={"label": "责令退回金额"})

    @validates_schema
    def _end(self, data, **kwargs):
        if data.get("paid_on") is None and data.get("as_of") is None:
            raise ValidationError("须填写实际缴纳日（paid_on）或计算截至日（as_of）", "paid_on")


SCHEMAS = {
    "clue_verification": _Extendable, "reporter_notification": _Start, "preservation_decision": _Start,
    "sealing": _Sealing, "decision": _Decision, "legal_review": _Extendable, "statement": _Statement,
    "hearing_request": _Start, "hearing_notice": _HearingNotice, "service_absent": _Start,
    "public_notice_service": _Start, "payment": _Start, "court_application_earliest": _Start,
    "court_application": _CourtApplication, "reconsideration": _Reconsideration, "publication": _Start,
    "publication_withdrawal": _Start, "limitation": _Limitation, "surcharge": _Surcharge,
}


# -- helpers -----------------------------------------------------------------------------------------

def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(CENT, ROUND_HALF_UP):.2f}"


def _excluded_days(periods) -> int:
    """Days inside the [from, to] periods, both ends included, overlaps counted once."""
    days: set[date] = set()
    for start, end in periods:
        days.update(start + timedelta(days=i) for i in range((end - start).days + 1))
    return len(days)


def _result(kind: Kind, start: date | None, due, *, citations=None, unit=None, **extra) -> dict:
    cites = tuple(citations) if citations is not None else kind.citations
    out = {"kind": kind.key, "code": kind.code, "title": kind.title, "start": _iso(start),
           "due": _iso(due.due_on if hasattr(due, "due_on") else due), "unit": unit or kind.unit,
           "unit_label": UNITS[unit or kind.unit], "basis": [c.text for c in cites],
           "basis_detail": [c.as_dict() for c in cites],
           "warnings": list(getattr(due, "warnings", ()))}
    for key in ("days", "months", "years"):
        if getattr(kind, key) is not None and key not in extra:
            out[key] = getattr(kind, key)
    out.update(extra)
    out.setdefault("notes", [])
    return out


def _add(cal: WorkingCalendar, unit: str, start: date, n: int):
    if unit == "working":
        return cal.add_working_days(start, n)
    if unit == "months":
        return cal.add_months(start, n)
    return cal.add_calendar_days(start, n)


def _merge_warnings(*groups) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for warning in group:
            seen.setdefault(warning, None)
    return tuple(seen)


class _Due:
    def __init__(self, due_on: date, warnings=()):
        self.due_on, self.warnings = due_on, tuple(warnings)


# -- the limits --------------------------------------------------------------------------------------

def _simple(kind: Kind, data: dict, cal: WorkingCalendar) -> dict:
    n = kind.days if kind.unit != "months" else kind.months
    return _result(kind, data["start"], _add(cal, kind.unit, data["start"], n))


def _extendable(kind: Kind, data: dict, cal: WorkingCalendar) -> dict:
    """T1 (+15 WD, head; Order 4 Art. 14 ⚠) and T9 (+10 WD, Xianning ◐)."""
    ext = kind.extension or {}
    total = kind.days + (ext.get("days", 0) if data["extended"] else 0)
    citations = kind.citations + (tuple(ext.get("citations", ())) if data["extended"] else ())
    notes = [f"已按{ext.get('approver', '负责人')}批准延长{ext.get('days')}个工作日计算"] if data["extended"] else []
    return _result(kind, data["start"], cal.add_working_days(data["start"], total), citations=citations,
                   days=total, notes=notes)


def _sealing(kind: Kind, data: dict, cal: WorkingCalendar) -> dict:
    """T6: 30 days, one extension of at most 30 days (head, written notice); testing and appraisal excluded
    (Order 4 Arts. 29–33 ⚠, mirroring 行政强制法 Art. 25 ✅). S28: 2025-06-09 → 07-09, extended 08-08."""
    ext = kind.extension or {}
    excluded = _excluded_days(data["excluded"])
    total = kind.days + (ext.get("days", 0) if data["extended"] else 0)
    notes = []
    if data["extended"]:
        notes.append(f"已按延长{ext.get('days')}日计算（只能延长一次，须书面告知当事人）")
    if excluded:
        notes.append(f"{kind.extras.get('excluded_note')}：已扣除{excluded}日")
    citations = kind.citations + (tuple(ext.get("citations", ())) if data["extended"] else ())
    return _result(kind, data["start"], cal.add_calendar_days(data["start"], total + excluded),
                   citations=tuple(dict.fromkeys(citations)), days=total, excluded_days=excluded, notes=notes)


def _decision(kind: Kind, data: dict, cal: WorkingCalendar) -> dict:
    """T8: 90 days from filing (行政处罚法 Art. 60 ✅); +30 with the head's approval, then ≤ 60 by collective
    discussion (Order 4 Art. 45 ⚠); hearing, public notice, testing, appraisal … excluded (⚠)."""
    steps = (kind.extension or {}).get("steps", [])
    extensions = data["extensions"]
    problems = {}
    if len(extensions) > len(steps):
        problems["extensions"] = f"办案期限最多延长{len(steps)}次（先负责人批准30日，再集体讨论不超过60日）"
    for index, (days, step) in enumerate(zip(extensions, steps)):
        if days > step["max_days"]:
            problems[f"extensions.{index}"] = f"第{index + 1}次延长不得超过{step['max_days']}日（{step['approver']}）"
    if problems:
        raise ValidationFailed("办案期限延长有误：" + "；".join(problems.values()), problems)
    excluded = _excluded_days(data["excluded"])
    extended = sum(extensions)
    start = data["start"]
    counted_from = parameter("decision_extension_counted_from")
    if counted_from == "rolled_end" and extended:
        first = cal.add_calendar_days(start, kind.days + excluded)
        later = cal.add_calendar_days(first.due_on, extended)
        due = _Due(later.due_on, _merge_warnings(first.warnings, later.warnings))
    else:
        due = cal.add_calendar_days(start, kind.days + excluded + extended)
    citations = kind.citations
    notes = []
    if extensions:
        citations += tuple(kind.extension.get("citations", ()))
        notes.append("延长期限自九十日届满的对应日起算（未顺延）；是否应自顺延后的工作日起算尚无定论（⚠ 参数 "
                     "decision_extension_counted_from）" if counted_from == "unrolled_end" else
                     "延长期限自顺延后的届满日起算（⚠ 参数 decision_extension_counted_from）")
    if excluded:
        citations += tuple(kind.extras.get("excluded_citations", ()))
        notes.append(f"{kind.extras.get('excluded_note')}：已扣除{excluded}日")
    return _result(kind, start, due, citations=tuple(dict.fromkeys(citations)), days=kind.days + extended,
                   extensions=list(extensions), excluded_days=excluded, notes=notes)


def _statement(kind: Kind, data: dict, cal: WorkingCalendar) -> dict:
    """T10: the profile's statement period (default 5 working days, Order 4 Art. 41 ⚠)."""
    from caseflow.rules.profiles import get_profile
    profile = get_profile(data.get("profile"))
    period = profile.statement_period
    notes = [f"辖区配置：{profile.name}"] + ([period.note] if period.note else [])
    return _result(kind, data["start"], _add(cal, period.unit, data["start"], period.days), unit=period.unit,
                   citations=period.basis, days=period.days, profile=profile.code, notes=notes)


def _hearing_notice(kind: Kind, data: dict, cal: WorkingCalendar) -> dict:
    """T12: serve the 听证通知书 at least 7 working days before the hearing (行政处罚法 Arts. 64(2), 85).
    Default reading (spec S15 ⚠): the hearing day is not counted and the 7th working day counted
    backwards is the latest day to serve (hearing Thu 2025-03-27 → Tue 2025-03-18)."""
    hearing = data["hearing_date"]
    day, counted, warnings = hearing, 0, []
    while counted < kind.days:
        day -= timedelta(days=1)
        working, warning = cal.is_working_day(day)
        if warning:
            warnings.append(warning)
        counted += working
    convention = parameter("hearing_notice_counting")
    latest = day if convention == "seventh_working_day_before" else day - timedelta(days=1)
    note = ("听证日不计入，自听证日向前数第七个工作日为最迟送达日；晚于该日送达的，应当改期（⚠ 参数 hearing_notice_counting）"
            if convention == "seventh_working_day_before" else
            "送达日与听证日之间须相隔七个完整工作日（⚠ 参数 hearing_notice_counting）")
    return _result(kind, None, _Due(latest, _merge_warnings(warnings)), hearing_date=hearing.isoformat(),
                   notes=[note])


def _public_notice(kind: Kind, data: dict, cal: WorkingCalendar) -> dict:
    """T15: deemed served 30 days after the notice is issued (民事诉讼法 Art. 95 ✅); S22: 07-01 → 07-31."""
    due = cal.add_calendar_days(data["start"], kind.days)
    return _result(kind, data["start"], due, deemed_served_on=due.due_on.isoformat(),
                   notes=["缴纳罚款、申请行政复议等期限自视为送达之日起计算；公告送达的原因和经过应当记入卷宗"])


def _court_earliest(kind: Kind, data: dict, cal: WorkingCalendar) -> dict:
    """T20: the court may be asked only after 10 working days from service of the reminder (行政强制法
    Arts. 54, 69 ✅): `due` is the first working day after the reminder period."""
    period_end = cal.add_working_days(data["start"], kind.days)
    earliest = cal.add_working_days(period_end.due_on, 1)
    return _result(kind, data["start"], _Due(earliest.due_on, _merge_warnings(period_end.warnings, earliest.warnings)),
                   reminder_period_ends=period_end.due_on.isoformat(),
                   notes=[f"催告期间至 {period_end.due_on.isoformat()} 届满，当事人仍未履行的，此后方可申请人民法院强制执行"])


def _court_application(kind: Kind, data: dict, cal: WorkingCalendar) -> dict:
    """T21: apply within 3 months after the 6-month litigation period ends (行政强制法 Art. 53 ✅;
    行政诉讼法 Art. 46 ⚠); with approved deferral or instalments, counted from their end (行政处罚法
    Art. 72(2) ✅). S24: served 2025-03-03, instalments to 2025-12-31 → 2026-03-31."""
    served = data["served_on"]
    litigation = cal.add_months(served, kind.extras["litigation_months"])
    instalments = data.get("instalments_until")
    counted_from, notes = litigation.due_on, []
    citations = kind.citations + tuple(kind.extras.get("litigation_citations", ()))
    if instalments:
        if parameter("court_application_start") == "instalments_end" or instalments > litigation.due_on:
            counted_from = instalments
            notes.append("已批准暂缓或者分期缴纳，申请期限自暂缓或者分期缴纳期限届满之日起计算")
        else:
            notes.append("分期缴纳期限早于起诉期限届满，仍自起诉期限届满之日起计算（⚠ 参数 court_application_start）")
    due = cal.add_months(counted_from, kind.months)
    return _result(kind, served, _Due(due.due_on, _merge_warnings(litigation.warnings, due.warnings)),
                   citations=citations, litigation_period_ends=litigation.due_on.isoformat(),
                   earliest=(counted_from + timedelta(days=1)).isoformat(), counted_from=counted_from.isoformat(),
                   notes=notes)


def _reconsideration(kind: Kind, data: dict, cal: WorkingCalendar) -> dict:
    """T23: 60 days from knowing of the decision (行政复议法 2023 Art. 20 ✅); if the party was not told of
    the right, the period runs from learning of it, at most one year from knowing the decision."""
    start = data["start"]
    absolute = [(f"自行政行为作出之日起超过{kind.extras.get('absolute_bar_years')}年的，行政复议机关不予受理"
                f"（{'；'.join(c.text for c in kind.extras.get('absolute_bar_citations', ()))}）")]
    if data["informed_of_right"]:
        return _result(kind, start, cal.add_calendar_days(start, kind.days), notes=absolute)
    months = kind.extras["not_informed_months"]
    return _result(kind, start, cal.add_months(start, months), unit="months", months=months, days=None,
                   notes=[("未告知申请行政复议的权利、复议机关和期限的，申请期限自知道或者应当知道之日起计算，"
                          "但自知道或者应当知道行政行为内容之日起最长不得超过一年"), *absolute])


def limitation(conduct_ended_on: date, discovered_on: date, life_health_harm: bool,
               calendar: WorkingCalendar | None = None) -> dict:
    """T28, 行政处罚法 Art. 36 ✅: no penalty for a violation not discovered within 2 years (5 years where it
    concerns life/health or financial safety and caused harm), counted from the act or, for continuing
    conduct, from its end. The start day is not counted, so the last day is the corresponding date two
    (five) years later (民法典 Art. 202; 29 Feb → 28 Feb); discovery on that day is in time."""
    kind = kinds()["limitation"]
    years = kind.extras["extended_years"] if life_health_harm else kind.years
    try:
        last_day = conduct_ended_on.replace(year=conduct_ended_on.year + years)
    except ValueError:  # 29 February with no corresponding day
        last_day = date(conduct_ended_on.year + years, 2, 28)
    warnings: tuple[str, ...] = ()
    if parameter("limitation_last_day_rolls_forward"):
        rolled = (calendar or WorkingCalendar()).add_calendar_days(last_day, 0)
        last_day, warnings = rolled.due_on, rolled.warnings
    barred = discovered_on > last_day
    notes = ["期间从违法行为终了次日起算；末日不因节假日顺延（⚠ 参数 limitation_last_day_rolls_forward）",
             "“发现”指行政机关首次知悉违法行为之日（收到举报、检查发现、数据筛查命中等），而非立案日（⚠）"]
    if life_health_harm:
        notes.append("已按涉及公民生命健康安全、金融安全且有危害后果适用五年期限，须书面说明理由")
    if barred:
        notes.append("超过追责时效，不再给予行政处罚；造成的基金损失仍应责令退回或者通过协议追回")
    result = _result(kind, conduct_ended_on, _Due(last_day, warnings), years=years,
                     conduct_ended_on=conduct_ended_on.isoformat(), discovered_on=discovered_on.isoformat(),
                     last_day=last_day.isoformat(), time_barred=barred, notes=notes)
    return result


def _limitation(kind: Kind, data: dict, cal: WorkingCalendar) -> dict:
    return limitation(data["conduct_ended_on"], data["discovered_on"], data["life_health_harm"], cal)


def surcharge(fine: Decimal, due: date, end: date, paused=()) -> dict:
    """T18: 3 % of the fine for every day after the payment deadline, never more than the fine
    (行政处罚法 Art. 72(1)(1) ✅), not counted while reconsideration or litigation runs (Art. 73(3) ✅).
    Only fines carry it: refunds to the fund never do (spec §2.2, §11 item 8)."""
    kind = kinds()["surcharge"]
    rate = Decimal(kind.extras["rate_percent_per_day"]) / 100
    paused_days: set[date] = set()
    for start, stop in paused:
        paused_days.update(start + timedelta(days=i) for i in range((stop - start).days + 1))
    days = sum(1 for i in range(1, max((end - due).days, 0) + 1) if due + timedelta(days=i) not in paused_days)
    daily = (fine * rate).quantize(CENT, ROUND_HALF_UP)
    exact = fine * rate * days
    capped = exact >= fine > 0
    amount = fine if capped else exact.quantize(CENT, ROUND_HALF_UP)
    skipped = sum(1 for d in paused_days if due < d <= end)
    return {"surcharge": _money(amount), "days": days, "capped": capped, "daily": _money(daily),
            "cap": _money(fine), "paused_days": skipped}


def _surcharge(kind: Kind, data: dict, cal: WorkingCalendar) -> dict:
    end = data.get("paid_on") or data["as_of"]
    figures = surcharge(data["fine"], data["due"], end, data["paused"])
    notes = ["加处罚款仅针对罚款；责令退回的医保基金不加处罚款（规格书§11第8项）",
             "申请行政复议或者提起行政诉讼期间不计算加处罚款，行政处罚不停止执行"]
    if figures["capped"]:
        notes.append("加处罚款已达罚款数额，不再增加")
    return _result(kind, None, _Due(data["due"]), fine=_money(data["fine"]), end=end.isoformat(),
                   refund_surcharge="0.00", notes=notes, **figures)


HANDLERS = {
    "clue_verification": _extendable, "reporter_notification": _simple, "preservation_decision": _simple,
    "sealing": _sealing, "decision": _decision, "legal_review": _extendable, "statement": _statement,
    "hearing_request": _simple, "hearing_notice": _hearing_notice, "service_absent": _simple,
    "public_notice_service": _public_notice, "payment": _simple, "court_application_earliest": _court_earliest,
    "court_application": _court_application, "reconsideration": _reconsideration, "publication": _simple,
    "publication_withdrawal": _simple, "limitation": _limitation, "surcharge": _surcharge,
}


def kind_for_code(code: str) -> str | None:
    """The kind key computing the workflow's time limit `code` (T1, T8 …), if this service has one."""
    return next((key for key, kind in kinds().items() if kind.code == code), None)


def compute(payload: dict, calendar: WorkingCalendar | None = None) -> dict:
    """Compute one time limit. Invalid input raises ValidationFailed naming the field in Chinese."""
    if not isinstance(payload, dict):
        raise ValidationFailed("提交的数据有误：应为 JSON 对象", {"_schema": "应为 JSON 对象"})
    kind_key = payload.get("kind")
    if kind_key not in HANDLERS:
        raise ValidationFailed("提交的数据有误：期限种类无效",
                               {"kind": f"期限种类应为 {'、'.join(HANDLERS)} 之一"})
    data = load_or_raise(SCHEMAS[kind_key](), payload, "期限计算参数")
    return HANDLERS[kind_key](kinds()[kind_key], data, calendar or WorkingCalendar())
