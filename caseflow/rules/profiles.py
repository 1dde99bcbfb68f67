"""Jurisdiction profiles: criminal figure, statement period, hearing and legal-review triggers,
collective discussion and discretion benchmarks of one jurisdiction (legal spec §3.6–3.9, §3.15, §6.5).

Profiles ship in caseflow/rules/data/profiles.yaml and are validated on load (ConfigurationError naming
the profile and field). An administrator's profile — a mapping, e.g. from a form or the API — is
validated by `profile_from_mapping`, which raises ValidationFailed whose details map each bad field
to a Chinese message, so profiles can be added or edited without code changes.

No invented bands (spec §6.5 E): a benchmark must be copied from a published text, cite it, and each
band must lie inside the statutory range of every article it covers — checked here.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from caseflow.errors import ConfigurationError, ValidationFailed
from caseflow.rules.catalogue import (
    MARKS,
    SUBJECTS,
    Citation,
    circumstance_list,
    decimal_of,
    parse_citation,
    parse_citations,
    read_yaml,
    violations,
)

DEFAULT_PROFILE = "national"
CODE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,19}$")

# 法释〔2011〕7号 Art. 1 (◐, spec §3.15): 诈骗"数额较大" is 3,000–10,000 yuan, fixed by each province.
CRIMINAL_FIGURE_RANGE = (Decimal(3000), Decimal(10000))

HEARING_ITEMS = {
    "service_suspension": "暂停相关责任部门涉及医疗保障基金使用的医药服务",
    "settlement_suspension": "暂停医疗费用联网结算",
    "agreement_termination": "解除医疗保障服务协议",
}
LEGAL_REVIEW_ITEMS = HEARING_ITEMS
COLLECTIVE_TRIGGERS = {
    "service_suspension": "责令暂停相关责任部门涉及医疗保障基金使用的医药服务",
    "settlement_suspension": "暂停医疗费用联网结算",
    "agreement_termination": "可能由经办机构解除服务协议",
    "five_year_ban": "涉及《条例》第四十三条五年内禁止从业的移送",
    "serious_consequences": "造成严重后果",
    "hearing_amount": "罚款达到本辖区听证较大数额标准",
    "criminal_referral": "须进行刑事移送评估",
}
BENCHMARK_KINDS = ("range", "fixed")
STATEMENT_UNITS = ("working", "calendar")


@dataclass(frozen=True)
class Figure:
    amount: Decimal
    mark: str
    basis: tuple[Citation, ...]
    note: str | None = None


@dataclass(frozen=True)
class Period:
    days: int
    unit: str
    mark: str
    basis: tuple[Citation, ...]
    note: str | None = None


@dataclass(frozen=True)
class Thresholds:
    """以上 thresholds (inclusive) for citizens and organisations."""
    citizen: Decimal
    organisation: Decimal
    mark: str
    basis: tuple[Citation, ...]
    confiscation: bool = False
    includes_refund: bool = False

    def for_subject(self, subject: str) -> Decimal:
        return self.citizen if subject == "individual" else self.organisation


@dataclass(frozen=True)
class ItemTrigger:
    enabled: bool
    mark: str = "✅"
    basis: tuple[Citation, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Collective:
    all_cases: bool
    triggers: tuple[str, ...]
    mark: str
    basis: tuple[Citation, ...]
    note: str | None = None


@dataclass(frozen=True)
class Band:
    band: str
    multiple: tuple[Decimal, Decimal]
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    requires_all: tuple[str, ...] = ()
    excludes_any: tuple[str, ...] = ()
    condition: str | None = None

    def amount_fits(self, amount: Decimal) -> bool:
        """以上 / 以下 include the figure (spec §2.4)."""
        return ((self.amount_min is None or amount >= self.amount_min)
                and (self.amount_max is None or amount <= self.amount_max))

    def circumstances_fit(self, circumstances) -> bool:
        present = set(circumstances)
        return set(self.requires_all) <= present and not (set(self.excludes_any) & present)


@dataclass(frozen=True)
class Benchmark:
    articles: tuple[str, ...]
    subjects: tuple[str, ...]
    kind: str
    citation: Citation
    bands: tuple[Band, ...]
    note: str | None = None

    def applies(self, article: str, subject: str) -> bool:
        return article in self.articles and subject in self.subjects


@dataclass(frozen=True)
class Profile:
    code: str
    name: str
    level: str
    criminal_threshold: Figure
    statement_period: Period
    hearing_thresholds: Thresholds | None
    hearing_thresholds_note: str | None
    hearing_items: dict
    legal_review_thresholds: Thresholds | None
    legal_review_items: dict
    legal_review_note: str | None
    collective: Collective
    benchmarks: tuple[Benchmark, ...]

    def benchmark_for(self, article: str, subject: str) -> Benchmark | None:
        return next((b for b in self.benchmarks if b.applies(article, subject)), None)


# -- validation --------------------------------------------------------------------------------------

def _text(raw, path, errors, *, required=False, max_length=500):
    if raw is None:
        if required:
            errors[path] = "此项为必填项"
        return None
    if not isinstance(raw, str) or (required and not raw.strip()) or len(raw) > max_length:
        errors[path] = f"应为不超过 {max_length} 字的文本" + ("（必填）" if required else "")
        return None
    return raw.strip() or None


def _mark(raw, path, errors) -> str:
    if raw not in MARKS:
        errors[path] = "核实标记应为 ✅、◐ 或 ⚠"
        return "⚠"
    return raw


def _figure(raw, path, errors) -> Figure | None:
    if not isinstance(raw, dict):
        errors[path] = "此项为必填项"
        return None
    amount = decimal_of(raw.get("amount"), f"{path}.amount", errors, positive=True)
    low, high = CRIMINAL_FIGURE_RANGE
    if amount is not None and not low <= amount <= high:
        errors[f"{path}.amount"] = "诈骗“数额较大”标准应在 3000 元至 10000 元之间（法释〔2011〕7号）"
    mark = _mark(raw.get("mark"), f"{path}.mark", errors)
    basis = parse_citations(raw.get("basis"), f"{path}.basis", errors)
    note = _text(raw.get("note"), f"{path}.note", errors)
    if mark == "⚠" and not note:
        errors[f"{path}.note"] = "未经核实的数额须说明取值理由"
    return None if amount is None else Figure(amount, mark, basis, note)


def _period(raw, path, errors) -> Period | None:
    if not isinstance(raw, dict):
        errors[path] = "此项为必填项"
        return None
    days = raw.get("days")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 30:
        errors[f"{path}.days"] = "应为 1–30 的整数"
        days = None
    unit = raw.get("unit")
    if unit not in STATEMENT_UNITS:
        errors[f"{path}.unit"] = "单位应为 working（工作日）或 calendar（自然日）"
    mark = _mark(raw.get("mark"), f"{path}.mark", errors)
    basis = parse_citations(raw.get("basis"), f"{path}.basis", errors)
    note = _text(raw.get("note"), f"{path}.note", errors)
    if days is None or unit not in STATEMENT_UNITS:
        return None
    return Period(days, unit, mark, basis, note)


def _thresholds(raw, path, errors, *, review=False) -> Thresholds | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors[path] = "应为对象（citizen、organisation）或 null"
        return None
    citizen = decimal_of(raw.get("citizen"), f"{path}.citizen", errors, positive=True)
    organisation = decimal_of(raw.get("organisation"), f"{path}.organisation", errors, positive=True)
    mark = _mark(raw.get("mark"), f"{path}.mark", errors)
    basis = parse_citations(raw.get("basis"), f"{path}.basis", errors)
    for flag in ("confiscation", "includes_refund"):
        if flag in raw and not isinstance(raw[flag], bool):
            errors[f"{path}.{flag}"] = "应为 true 或 false"
    if citizen is None or organisation is None:
        return None
    return Thresholds(citizen, organisation, mark, basis, bool(raw.get("confiscation")),
                      bool(raw.get("includes_refund")) if review else False)


def _items(raw, path, errors, allowed: dict) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors[path] = "应为对象"
        return {}
    result = {}
    for key, spec in raw.items():
        where = f"{path}.{key}"
        if key not in allowed:
            errors[where] = f"未知事项，应为 {'、'.join(allowed)} 之一"
            continue
        if not isinstance(spec, dict) or not isinstance(spec.get("enabled"), bool):
            errors[f"{where}.enabled"] = "应为 true 或 false"
            continue
        mark = _mark(spec.get("mark", "✅"), f"{where}.mark", errors)
        basis = parse_citations(spec.get("basis"), f"{where}.basis", errors, required=spec["enabled"])
        note = _text(spec.get("note"), f"{where}.note", errors)
        result[key] = ItemTrigger(spec["enabled"], mark, basis, note)
    return result


def _collective(raw, path, errors) -> Collective | None:
    if not isinstance(raw, dict):
        errors[path] = "此项为必填项"
        return None
    triggers = raw.get("triggers")
    if not isinstance(triggers, list) or any(t not in COLLECTIVE_TRIGGERS for t in triggers):
        errors[f"{path}.triggers"] = f"应为 {'、'.join(COLLECTIVE_TRIGGERS)} 中的若干项"
        triggers = []
    all_cases = raw.get("all_cases", False)
    if not isinstance(all_cases, bool):
        errors[f"{path}.all_cases"] = "应为 true 或 false"
        all_cases = False
    mark = _mark(raw.get("mark"), f"{path}.mark", errors)
    basis = parse_citations(raw.get("basis"), f"{path}.basis", errors)
    return Collective(all_cases, tuple(triggers), mark, basis, _text(raw.get("note"), f"{path}.note", errors))


def _band(raw, path, errors, kind) -> Band | None:
    if not isinstance(raw, dict):
        errors[path] = "应为对象"
        return None
    name = _text(raw.get("band"), f"{path}.band", errors, required=True, max_length=60)
    multiple = raw.get("multiple")
    low = high = None
    if not isinstance(multiple, list) or len(multiple) != 2:
        errors[f"{path}.multiple"] = "应为 [最低倍数, 最高倍数]"
    else:
        low = decimal_of(multiple[0], f"{path}.multiple", errors, positive=True)
        high = decimal_of(multiple[1], f"{path}.multiple", errors, positive=True)
        if low is not None and high is not None and low > high:
            errors[f"{path}.multiple"] = "最低倍数不能高于最高倍数"
        if kind == "fixed" and low != high:
            errors[f"{path}.multiple"] = "固定倍数的基准，最低与最高倍数应相同"
    amount_min = decimal_of(raw["amount_min"], f"{path}.amount_min", errors) if raw.get("amount_min") is not None else None
    amount_max = decimal_of(raw["amount_max"], f"{path}.amount_max", errors) if raw.get("amount_max") is not None else None
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        errors[f"{path}.amount_max"] = "金额上限不能低于下限"
    requires_all = circumstance_list(raw.get("requires_all"), f"{path}.requires_all", errors)
    excludes_any = circumstance_list(raw.get("excludes_any"), f"{path}.excludes_any", errors)
    condition = _text(raw.get("condition"), f"{path}.condition", errors, required=True)
    if name is None or low is None or high is None:
        return None
    return Band(name, (low, high), amount_min, amount_max, requires_all, excludes_any, condition)


def _benchmark(raw, path, errors) -> Benchmark | None:
    if not isinstance(raw, dict):
        errors[path] = "应为对象"
        return None
    catalogue = violations()
    articles = raw.get("articles")
    if not isinstance(articles, list) or not articles or any(a not in catalogue for a in articles):
        errors[f"{path}.articles"] = "应列出目录中存在的条款"
        return None
    subjects = raw.get("subjects")
    if not isinstance(subjects, list) or not subjects or any(s not in SUBJECTS for s in subjects):
        errors[f"{path}.subjects"] = f"当事人类型应为 {'、'.join(SUBJECTS)} 中的一项或多项"
        return None
    kind = raw.get("kind")
    if kind not in BENCHMARK_KINDS:
        errors[f"{path}.kind"] = "应为 range（倍数幅度）或 fixed（固定倍数）"
        return None
    citation = parse_citation(raw.get("citation"), f"{path}.citation", errors)
    if citation is None and f"{path}.citation" not in errors:
        errors[f"{path}.citation"] = "基准须注明公布的出处（不得自拟）"
    for article in articles:
        violation = catalogue[article]
        if violation.fine.kind != "multiple":
            errors[f"{path}.articles"] = f"条款 {article} 不是倍数罚款，不能适用倍数基准"
            return None
        if not set(subjects) <= set(violation.subjects):
            errors[f"{path}.subjects"] = f"条款 {article} 不适用于所列全部当事人类型"
    bands = []
    raw_bands = raw.get("bands")
    if not isinstance(raw_bands, list) or not raw_bands:
        errors[f"{path}.bands"] = "至少列出一个档次"
        return None
    for index, entry in enumerate(raw_bands):
        band = _band(entry, f"{path}.bands.{index}", errors, kind)
        if band is None:
            continue
        # No invented bands: a band must lie inside every covered article's statutory range.
        for article in articles:
            fine = catalogue[article].fine
            if band.multiple[0] < fine.min or band.multiple[1] > fine.max:
                errors[f"{path}.bands.{index}.multiple"] = (
                    f"档次“{band.band}”超出 {article} 的法定幅度 {fine.min}–{fine.max} 倍")
        bands.append(band)
    note = _text(raw.get("note"), f"{path}.note", errors)
    if citation is None:
        return None
    return Benchmark(tuple(articles), tuple(subjects), kind, citation, tuple(bands), note)


_PROFILE_KEYS = {"code", "extends", "name", "level", "criminal_threshold", "statement_period", "hearing",
                 "legal_review", "collective_discussion", "benchmarks"}


def profile_errors(data) -> dict[str, str]:
    """Chinese error per field of a complete (already merged) profile mapping; empty when valid."""
    errors: dict[str, str] = {}
    _build(data, errors)
    return errors


def _build(data, errors: dict) -> Profile | None:
    if not isinstance(data, Mapping):
        errors["_schema"] = "辖区配置应为对象"
        return None
    unknown = set(data) - _PROFILE_KEYS
    for key in sorted(map(str, unknown)):
        errors[key] = "未知字段"
    code = data.get("code")
    if not isinstance(code, str) or not CODE.match(code):
        errors["code"] = "辖区代码应为 2–20 位字母、数字或连字符，以字母开头（如 GD-SW）"
    name = _text(data.get("name"), "name", errors, required=True, max_length=60)
    level = data.get("level")
    if level not in ("N-LAW", "PROV", "LOCAL"):
        errors["level"] = "层级应为 N-LAW（全国）、PROV（省级）或 LOCAL（市县）"
    criminal = _figure(data.get("criminal_threshold"), "criminal_threshold", errors)
    statement = _period(data.get("statement_period"), "statement_period", errors)
    hearing = data.get("hearing")
    if not isinstance(hearing, Mapping):
        errors["hearing"] = "此项为必填项"
        hearing = {}
    hearing_thresholds = _thresholds(hearing.get("thresholds"), "hearing.thresholds", errors)
    hearing_note = _text(hearing.get("thresholds_note"), "hearing.thresholds_note", errors)
    if hearing_thresholds is None and "hearing.thresholds" not in errors and not hearing_note:
        errors["hearing.thresholds_note"] = "未设听证金额标准的，须说明理由"
    hearing_items = _items(hearing.get("items"), "hearing.items", errors, HEARING_ITEMS)
    review = data.get("legal_review")
    if not isinstance(review, Mapping):
        errors["legal_review"] = "此项为必填项"
        review = {}
    review_thresholds = _thresholds(review.get("amount_thresholds"), "legal_review.amount_thresholds", errors,
                                    review=True)
    review_items = _items(review.get("items"), "legal_review.items", errors, LEGAL_REVIEW_ITEMS)
    review_note = _text(review.get("note"), "legal_review.note", errors)
    collective = _collective(data.get("collective_discussion"), "collective_discussion", errors)
    benchmarks = []
    raw_benchmarks = data.get("benchmarks") or []
    if not isinstance(raw_benchmarks, list):
        errors["benchmarks"] = "应为列表"
        raw_benchmarks = []
    for index, entry in enumerate(raw_benchmarks):
        benchmark = _benchmark(entry, f"benchmarks.{index}", errors)
        if benchmark:
            for other in benchmarks:
                if set(other.articles) & set(benchmark.articles) and set(other.subjects) & set(benchmark.subjects):
                    errors[f"benchmarks.{index}.articles"] = "同一条款、同一当事人类型只能有一套基准"
            benchmarks.append(benchmark)
    if errors:
        return None
    return Profile(code, name, level, criminal, statement, hearing_thresholds, hearing_note, hearing_items,
                   review_thresholds, review_items, review_note, collective, tuple(benchmarks))


def _merge(base: Mapping, override: Mapping) -> dict:
    """Deep-merge mappings key by key; lists and plain values of `override` replace those of `base`."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _resolve(code: str, raw_profiles: Mapping, seen=()) -> dict:
    spec = raw_profiles[code]
    if not isinstance(spec, Mapping):
        return {"code": code, "_invalid": True}
    parent = spec.get("extends")
    if parent is None:
        return {**copy.deepcopy(dict(spec)), "code": code}
    if parent in seen or parent == code:
        raise ConfigurationError(f"规则数据 profiles.yaml 中辖区 {code} 的 extends 形成循环")
    if parent not in raw_profiles:
        raise ConfigurationError(f"规则数据 profiles.yaml 中辖区 {code} 继承了不存在的辖区 {parent}")
    merged = _merge(_resolve(parent, raw_profiles, (*seen, code)), spec)
    merged.pop("extends", None)
    merged["code"] = code
    return merged


def build_profiles(raw, file: str = "profiles.yaml") -> dict[str, Profile]:
    if not isinstance(raw, Mapping) or DEFAULT_PROFILE not in raw:
        raise ConfigurationError(f"规则数据 {file} 有误：必须包含 {DEFAULT_PROFILE} 辖区")
    result = {}
    for code in raw:
        errors: dict[str, str] = {}
        profile = _build(_resolve(code, raw), errors)
        if errors:
            listed = "；".join(f"{path}：{message}" for path, message in errors.items())
            raise ConfigurationError(f"规则数据 {file} 中辖区 {code} 有误：{listed}")
        result[code] = profile
    return result


@lru_cache(maxsize=1)
def _raw_profiles() -> dict:
    raw = read_yaml("profiles.yaml")
    return raw if isinstance(raw, dict) else {}


@lru_cache(maxsize=1)
def shipped_profiles() -> dict[str, Profile]:
    return build_profiles(read_yaml("profiles.yaml"))


_STORED: dict = {}  # (code, updated_at) -> Profile: a stored profile is validated and built once per version
_READY: set = set()  # engines whose database has the jurisdiction_profiles table


def _table_ready(engine) -> bool:
    if engine.url not in _READY:
        from sqlalchemy import inspect
        from sqlalchemy.exc import SQLAlchemyError
        try:
            if not inspect(engine).has_table("jurisdiction_profiles"):
                return False
        except SQLAlchemyError:
            return False
        _READY.add(engine.url)
    return True


def stored_profiles() -> dict[str, Profile]:
    """Profiles an administrator entered (caseflow.rules.models.JurisdictionProfile), read fresh on every call
    so all server processes see an edit at once; none outside an application context."""
    from flask import has_app_context
    if not has_app_context():
        return {}
    from sqlalchemy import select

    from caseflow.extensions import db
    from caseflow.rules.models import JurisdictionProfile
    if not _table_ready(db.engine):
        return {}  # a database not migrated yet (e.g. the assess command in a bare checkout): shipped only
    rows = db.session.execute(select(JurisdictionProfile).order_by(JurisdictionProfile.code)).scalars().all()
    known = {row.code: row.definition for row in rows}
    result = {}
    for row in rows:
        key = (row.code, row.updated_at)
        if key not in _STORED:
            _STORED[key] = profile_from_mapping(row.definition, known=known)
        result[row.code] = _STORED[key]
    return result


def profiles() -> dict[str, Profile]:
    """The shipped profiles (profiles.yaml), with those an administrator added or replaced."""
    return {**shipped_profiles(), **stored_profiles()}


def get_profile(code: str | None) -> Profile:
    """The profile `code` (default national); ValidationFailed naming `profile` if unknown."""
    code = code or DEFAULT_PROFILE
    try:
        return profiles()[code]
    except KeyError:
        raise ValidationFailed(f"未知的辖区配置：{code}",
                               {"profile": f"未知的辖区配置，可选：{'、'.join(profiles())}"}) from None


def profile_from_mapping(data, known: Mapping[str, Mapping] | None = None) -> Profile:
    """Validate a profile an administrator entered and return it.

    `data` is a mapping with a `code`; it may `extends` a shipped profile (or one in `known`, raw mappings
    by code), in which case only the fields it gives override the parent's. Raises ValidationFailed whose
    details map each bad field (dotted path, e.g. ``hearing.thresholds.citizen``) to a Chinese message.
    """
    if not isinstance(data, Mapping):
        raise ValidationFailed("辖区配置有误：应为对象", {"_schema": "辖区配置应为对象"})
    registry = {**_raw_profiles(), **dict(known or {})}
    parent = data.get("extends")
    if parent is not None:
        if parent not in registry or parent == data.get("code"):
            raise ValidationFailed("辖区配置有误：继承的辖区不存在",
                                   {"extends": f"未知的辖区 {parent}，可选：{'、'.join(registry)}"})
        resolved = _merge(_resolve(parent, registry), {k: v for k, v in data.items() if k != "extends"})
        resolved["code"] = data.get("code")  # never the parent's
    else:
        resolved = dict(data)
    errors: dict[str, str] = {}
    profile = _build(resolved, errors)
    if errors:
        summary = "；".join(f"{path}：{message}" for path, message in errors.items())
        raise ValidationFailed(f"辖区配置有误：{summary}", errors)
    return profile
