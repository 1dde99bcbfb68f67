"""The legal rules as data: sources, citations, the violation catalogue, causes and system parameters.

Everything is loaded from caseflow/rules/data/*.yaml once and validated on load: an entry that does not
validate raises ConfigurationError with a Chinese message naming the file and the entry, so a bad
edit stops the application at start-up instead of producing a wrong penalty later.

Marks follow the legal spec §0.2: ✅ read in full, ◐ excerpt only, ⚠ unverified. A ⚠ citation is
printed with 「条款待核实」 (the convention of docs/decisions/0001-foundation.md), never as if certain.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import yaml

from caseflow.errors import ConfigurationError

DATA_DIR = Path(__file__).parent / "data"

MARKS = ("✅", "◐", "⚠")
LEVELS = ("N-LAW", "N-REG", "N-RULE", "N-DOC", "PROV", "LOCAL")
UNVERIFIED = "（条款待核实）"

SUBJECTS = {
    "institution": "定点医疗机构",
    "pharmacy": "定点零售药店",
    "individual": "个人",
    "agency": "医疗保障经办机构",
}
# 行政处罚法 Art. 51 / Art. 63 distinguish citizens (公民) from organisations (法人或者其他组织).
CITIZEN_SUBJECTS = frozenset({"individual"})

# The assessment's input vocabulary (issue 3) plus four extensions for grounds of 行政处罚法
# Arts. 31, 32(1) and 40 that the list has no word for.
CIRCUMSTANCES = {
    "first_violation": "初次违法",
    "minor_harm": "违法行为轻微、危害后果轻微",
    "corrected_promptly": "及时改正",
    "no_harmful_consequence": "没有造成危害后果",
    "no_fault": "有证据足以证明没有主观过错",
    "refunded_voluntarily": "主动（在规定期限内）全额退回",
    "cooperated": "积极配合调查",
    "coerced": "受他人胁迫或者诱骗实施违法行为",
    "confessed_unknown": "主动供述行政机关尚未掌握的违法行为",
    "meritorious": "配合查处违法行为有立功表现",
    "refused_to_correct": "经责令改正拒不改正",
    "serious_consequences": "造成严重后果",
    "repeat_violation": "多次违法",
    "obstructed_investigation": "拒绝、阻碍调查",
    "life_health_harm": "涉及公民生命健康安全、金融安全且有危害后果",
    "minor_under_14": "不满十四周岁",
    "aged_14_18": "已满十四周岁不满十八周岁",
    "eliminated_harm": "主动消除或者减轻违法行为危害后果",
    "facts_unclear": "违法事实不清、证据不足",
    "mental_incapacity": "精神病人、智力残疾人在不能辨认或者不能控制自己行为时违法",
    "limited_mental_capacity": "尚未完全丧失辨认或者控制自己行为能力的精神病人、智力残疾人",
}

AMOUNT_BASES = {
    "loss": "造成损失金额",
    "defrauded": "骗取金额",
    "illegal_gains": "违法所得",
    "embezzled": "侵占、挪用金额",
    "none": None,
}
FINE_KINDS = ("none", "multiple", "fixed")
SUSPENSION_MODES = ("mandatory", "conditional")
TERMINATION_MODES = ("possible", "required")
CONFISCATION_MODES = ("amount", "illegal_gains")

ARTICLE_KEY = re.compile(r"^(735-(3[6-9]|4[0-4])(-[12])?|SIL-8[78])$")


# -- small helpers -----------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 36 → 三十六, 105 → 一百零五 (article, paragraph and item numbers)."""
    if n <= 0 or n >= 1000:
        raise ValueError(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _DIGITS[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if ones:
        out += _DIGITS[ones]
    return out


def decimal_of(value, path: str, errors: dict, *, positive: bool = False) -> Decimal | None:
    """A Decimal from a YAML/JSON string or integer (never a float, which is not exact)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        errors[path] = "应为以字符串表示的数字（如 \"5000.00\"）"
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors[path] = "应为数字"
        return None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        errors[path] = "应为大于零的数字" if positive else "不能为负数"
        return None
    return number


def _raise_config(file: str, errors: dict) -> None:
    if errors:
        listed = "；".join(f"{path}：{message}" for path, message in errors.items())
        raise ConfigurationError(f"规则数据 {file} 有误：{listed}")


def read_yaml(name: str):
    path = DATA_DIR / name
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"规则数据 {name} 无法读取：{exc}") from exc


# -- sources and citations ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Law:
    key: str
    name: str
    level: str
    plain: bool = False


@lru_cache(maxsize=1)
def laws() -> dict[str, Law]:
    raw = read_yaml("laws.yaml")
    errors: dict[str, str] = {}
    if not isinstance(raw, dict) or not raw:
        _raise_config("laws.yaml", {"（全文）": "应为以来源代号为键的映射"})
    result = {}
    for key, spec in raw.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"].strip():
            errors[f"{key}.name"] = "缺少来源名称"
            continue
        if spec.get("level") not in LEVELS:
            errors[f"{key}.level"] = f"层级应为 {' / '.join(LEVELS)} 之一"
            continue
        result[str(key)] = Law(str(key), spec["name"].strip(), spec["level"], bool(spec.get("plain")))
    _raise_config("laws.yaml", errors)
    return result


@dataclass(frozen=True)
class Citation:
    """One legal basis: source, article, paragraph, item, level and the spec's verification mark."""

    law: str
    article: int | None = None
    paragraph: int | None = None
    item: int | None = None
    mark: str = "✅"
    level: str = ""
    article_range_end: int | None = None

    @property
    def source(self) -> Law:
        return laws()[self.law]

    @property
    def text(self) -> str:
        source = self.source
        out = source.name if source.plain else f"《{source.name}》"
        if self.article:
            out += f"第{cn_numeral(self.article)}条"
        if self.paragraph:
            out += f"第{cn_numeral(self.paragraph)}款"
        if self.item:
            out += f"第（{cn_numeral(self.item)}）项"
        if self.mark == "⚠":
            out += UNVERIFIED
        return out

    def as_dict(self) -> dict:
        return {"text": self.text, "law": self.source.name, "article": self.article,
                "paragraph": self.paragraph, "item": self.item, "level": self.level or self.source.level,
                "mark": self.mark}


def parse_citation(raw, path: str, errors: dict) -> Citation | None:
    """Validate one citation mapping; errors are collected under `path`."""
    if not isinstance(raw, dict):
        errors[path] = "法律依据应为对象（law、article、paragraph、item、mark）"
        return None
    unknown = set(raw) - {"law", "article", "paragraph", "item", "mark", "level"}
    if unknown:
        errors[path] = f"未知字段：{'、'.join(sorted(map(str, unknown)))}"
        return None
    law_key = raw.get("law")
    if law_key not in laws():
        errors[f"{path}.law"] = f"未知的法律来源：{law_key}"
        return None
    numbers = {}
    for part in ("article", "paragraph", "item"):
        value = raw.get(part)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 1000):
            errors[f"{path}.{part}"] = "应为 1–999 的整数"
            return None
        numbers[part] = value
    if (numbers["item"] or numbers["paragraph"]) and not numbers["article"]:
        errors[f"{path}.article"] = "写明款、项时须写明条"
        return None
    mark = raw.get("mark", "✅" if law_key != "SYSTEM" else "⚠")
    if mark not in MARKS:
        errors[f"{path}.mark"] = "核实标记应为 ✅、◐ 或 ⚠"
        return None
    level = raw.get("level") or laws()[law_key].level
    if level not in LEVELS:
        errors[f"{path}.level"] = f"层级应为 {' / '.join(LEVELS)} 之一"
        return None
    return Citation(law_key, numbers["article"], numbers["paragraph"], numbers["item"], mark, level)


def parse_citations(raw, path: str, errors: dict, *, required: bool = True) -> tuple[Citation, ...]:
    if raw is None and not required:
        return ()
    if not isinstance(raw, list) or (required and not raw):
        errors[path] = "应为至少一项法律依据的列表"
        return ()
    result = []
    for index, entry in enumerate(raw):
        citation = parse_citation(entry, f"{path}.{index}", errors)
        if citation:
            result.append(citation)
    return tuple(result)


def weakest_mark(citations) -> str:
    """The least certain mark among citations (⚠ < ◐ < ✅)."""
    marks = {c.mark for c in citations}
    return "⚠" if "⚠" in marks else "◐" if "◐" in marks else "✅"


# -- the violation catalogue -------------------------------------------------------------------------

@dataclass(frozen=True)
class Behaviour:
    text: str
    paragraph: int | None = None
    item: int | None = None


@dataclass(frozen=True)
class FineRule:
    kind: str                     # none | multiple | fixed
    min: Decimal | None = None    # a multiple of the base, or yuan when fixed
    max: Decimal | None = None
    requires_any: tuple[str, ...] = ()
    condition: str | None = None


@dataclass(frozen=True)
class SuspensionRule:
    mode: str                     # mandatory | conditional
    months: tuple[int, int]
    when_any: tuple[str, ...] = ()
    condition: str | None = None


@dataclass(frozen=True)
class SettlementRule:
    months: tuple[int, int]
    insured_only: bool = True


@dataclass(frozen=True)
class Referral:
    code: str
    to: str
    text: str

    def as_dict(self) -> dict:
        return {"code": self.code, "to": self.to, "text": self.text}


@dataclass(frozen=True)
class Violation:
    key: str
    title: str
    citation: Citation
    subjects: tuple[str, ...]
    behaviours: tuple[Behaviour, ...]
    amount_base: str
    refund: bool
    fine: FineRule
    service_suspension: SuspensionRule | None = None
    settlement_suspension: SettlementRule | None = None
    agreement_termination: str | None = None
    agreement_termination_subjects: tuple[str, ...] = ()
    confiscation: str | None = None
    corrective: tuple[str, ...] = ()
    referrals: tuple[str, ...] = ()
    fraud: bool = False
    fraud_moves_to: str | None = None
    fraud_moves_citation: Citation | None = None
    concurrent_with: tuple[str, ...] = field(default_factory=tuple)

    @property
    def amount_label(self) -> str | None:
        return AMOUNT_BASES[self.amount_base]


@dataclass(frozen=True)
class Catalogue:
    violations: dict[str, Violation]
    referrals: dict[str, Referral]


_VIOLATION_KEYS = {"title", "citation", "subjects", "behaviours", "amount_base", "refund", "fine",
                   "service_suspension", "settlement_suspension", "agreement_termination",
                   "agreement_termination_subjects", "confiscation", "corrective", "referrals", "fraud",
                   "fraud_moves_to", "fraud_moves_citation", "concurrent_with"}


def _months(raw, path, errors, low, high) -> tuple[int, int] | None:
    if (not isinstance(raw, list) or len(raw) != 2 or not all(isinstance(m, int) and not isinstance(m, bool)
                                                               for m in raw)
            or not low <= raw[0] <= raw[1] <= high):
        errors[path] = f"应为 [最少月数, 最多月数]，在 {low}–{high} 之间"
        return None
    return raw[0], raw[1]


def _subjects(raw, path, errors) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or any(s not in SUBJECTS for s in raw):
        errors[path] = f"当事人类型应为 {'、'.join(SUBJECTS)} 中的一项或多项"
        return ()
    return tuple(raw)


def circumstance_list(raw, path, errors) -> tuple[str, ...]:
    """A list of circumstance codes in a rules file (None: none); an unknown code is reported at `path`."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or any(c not in CIRCUMSTANCES for c in raw):
        errors[path] = "含未知的情节代码"
        return ()
    return tuple(raw)


def _parse_fine(raw, path, errors) -> FineRule:
    if not isinstance(raw, dict) or raw.get("kind") not in FINE_KINDS:
        errors[path] = "罚款规则的 kind 应为 none、multiple 或 fixed"
        return FineRule("none")
    if raw["kind"] == "none":
        return FineRule("none")
    low = decimal_of(raw.get("min"), f"{path}.min", errors, positive=True)
    high = decimal_of(raw.get("max"), f"{path}.max", errors, positive=True)
    if low is not None and high is not None and low > high:
        errors[path] = "罚款下限不能高于上限"
    return FineRule(raw["kind"], low, high, circumstance_list(raw.get("requires_any"), f"{path}.requires_any",
                                                                errors), raw.get("condition"))


def _parse_violation(key: str, raw, errors: dict, referral_codes) -> Violation | None:
    where = f"violations.{key}"
    if not ARTICLE_KEY.match(str(key)):
        errors[where] = "条款代号应为 735-36…735-44、735-41-1、735-41-2、SIL-87 或 SIL-88"
        return None
    if not isinstance(raw, dict):
        errors[where] = "应为对象"
        return None
    unknown = set(raw) - _VIOLATION_KEYS
    if unknown:
        errors[where] = f"未知字段：{'、'.join(sorted(unknown))}"
        return None
    if not isinstance(raw.get("title"), str) or not raw["title"].strip():
        errors[f"{where}.title"] = "缺少名称"
    citation = parse_citation(raw.get("citation"), f"{where}.citation", errors)
    subjects = _subjects(raw.get("subjects"), f"{where}.subjects", errors)
    behaviours = []
    for index, entry in enumerate(raw.get("behaviours") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            errors[f"{where}.behaviours.{index}"] = "应为含 text 的对象"
            continue
        behaviours.append(Behaviour(entry["text"], entry.get("paragraph"), entry.get("item")))
    if not behaviours:
        errors[f"{where}.behaviours"] = "至少列出一项违法行为"
    base = raw.get("amount_base")
    if base not in AMOUNT_BASES:
        errors[f"{where}.amount_base"] = f"金额基数应为 {'、'.join(AMOUNT_BASES)} 之一"
    fine = _parse_fine(raw.get("fine"), f"{where}.fine", errors)
    if fine.kind == "multiple" and base not in ("loss", "defrauded"):
        errors[f"{where}.fine"] = "倍数罚款须以造成损失金额或骗取金额为基数"
    service = None
    if raw.get("service_suspension") is not None:
        spec = raw["service_suspension"]
        months = _months(spec.get("months") if isinstance(spec, dict) else None,
                         f"{where}.service_suspension.months", errors, 1, 12)
        mode = spec.get("mode") if isinstance(spec, dict) else None
        if mode not in SUSPENSION_MODES:
            errors[f"{where}.service_suspension.mode"] = "应为 mandatory 或 conditional"
        when_any = circumstance_list(spec.get("when_any") if isinstance(spec, dict) else None,
                                      f"{where}.service_suspension.when_any", errors)
        if mode == "conditional" and not when_any:
            errors[f"{where}.service_suspension.when_any"] = "附条件的暂停须列明条件情节"
        if months and mode in SUSPENSION_MODES:
            service = SuspensionRule(mode, months, when_any, spec.get("condition"))
    settlement = None
    if raw.get("settlement_suspension") is not None:
        spec = raw["settlement_suspension"]
        months = _months(spec.get("months") if isinstance(spec, dict) else None,
                         f"{where}.settlement_suspension.months", errors, 1, 12)
        if months:
            settlement = SettlementRule(months, bool(spec.get("insured_only", True)))
    termination = raw.get("agreement_termination")
    if termination is not None and termination not in TERMINATION_MODES:
        errors[f"{where}.agreement_termination"] = "应为 possible 或 required"
    termination_subjects = (_subjects(raw["agreement_termination_subjects"],
                                      f"{where}.agreement_termination_subjects", errors)
                            if raw.get("agreement_termination_subjects") else ())
    confiscation = raw.get("confiscation")
    if confiscation is not None and confiscation not in CONFISCATION_MODES:
        errors[f"{where}.confiscation"] = "应为 amount 或 illegal_gains"
    referrals = tuple(raw.get("referrals") or ())
    for code in referrals:
        if code not in referral_codes:
            errors[f"{where}.referrals"] = f"未知的移送事项：{code}"
    moves_citation = None
    if raw.get("fraud_moves_to"):
        moves_citation = parse_citation(raw.get("fraud_moves_citation"), f"{where}.fraud_moves_citation", errors)
    if errors or citation is None:
        return None
    return Violation(
        key=str(key), title=raw["title"].strip(), citation=citation, subjects=subjects,
        behaviours=tuple(behaviours), amount_base=base, refund=bool(raw.get("refund")), fine=fine,
        service_suspension=service, settlement_suspension=settlement, agreement_termination=termination,
        agreement_termination_subjects=termination_subjects, confiscation=confiscation,
        corrective=tuple(raw.get("corrective") or ()), referrals=referrals, fraud=bool(raw.get("fraud")),
        fraud_moves_to=raw.get("fraud_moves_to"), fraud_moves_citation=moves_citation,
        concurrent_with=tuple(raw.get("concurrent_with") or ()))


def build_catalogue(raw, file: str = "violations.yaml") -> Catalogue:
    """Validate a catalogue mapping (as read from YAML); ConfigurationError names every bad entry."""
    errors: dict[str, str] = {}
    if not isinstance(raw, dict) or not isinstance(raw.get("violations"), dict):
        _raise_config(file, {"violations": "缺少违法行为目录"})
    referrals = {}
    for code, spec in (raw.get("referrals") or {}).items():
        if not isinstance(spec, dict) or not spec.get("to") or not spec.get("text"):
            errors[f"referrals.{code}"] = "移送事项须写明 to 和 text"
            continue
        referrals[code] = Referral(code, spec["to"], spec["text"])
    result = {}
    for key, spec in raw["violations"].items():
        entry_errors: dict[str, str] = {}
        violation = _parse_violation(str(key), spec, entry_errors, referrals)
        errors.update(entry_errors)
        if violation:
            result[violation.key] = violation
    for violation in result.values():
        where = f"violations.{violation.key}"
        if violation.fraud_moves_to and violation.fraud_moves_to not in result:
            errors[f"{where}.fraud_moves_to"] = f"指向不存在的条款 {violation.fraud_moves_to}"
        elif violation.fraud_moves_to and not set(violation.subjects) <= set(result[violation.fraud_moves_to].subjects):
            errors[f"{where}.fraud_moves_to"] = "转入条款不适用于本条的全部当事人类型"
        for other in violation.concurrent_with:
            if other not in result:
                errors[f"{where}.concurrent_with"] = f"指向不存在的条款 {other}"
            elif violation.key not in result[other].concurrent_with:
                errors[f"{where}.concurrent_with"] = f"与 {other} 的竞合关系须双向登记"
    _raise_config(file, errors)
    return Catalogue(result, referrals)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return build_catalogue(read_yaml("violations.yaml"))


def violations() -> dict[str, Violation]:
    return catalogue().violations


def referral(code: str) -> Referral:
    return catalogue().referrals[code]


# -- causes (案由) --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cause:
    key: str
    name: str
    subjects: tuple[str, ...]
    articles: tuple[str, ...]


def build_causes(raw, file: str = "causes.yaml") -> dict[str, Cause]:
    errors: dict[str, str] = {}
    if not isinstance(raw, dict) or not isinstance(raw.get("causes"), dict):
        _raise_config(file, {"causes": "缺少案由目录"})
    parse_citation(raw.get("source"), "source", errors)
    known = violations()
    result = {}
    for key, spec in raw["causes"].items():
        where = f"causes.{key}"
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"].strip():
            errors[f"{where}.name"] = "缺少案由名称"
            continue
        subjects = _subjects(spec.get("subjects"), f"{where}.subjects", errors)
        articles = spec.get("articles")
        if not isinstance(articles, list) or not articles:
            errors[f"{where}.articles"] = "至少关联一个条款"
            continue
        for article in articles:
            if article not in known:
                errors[f"{where}.articles"] = f"未知条款 {article}"
            elif not set(subjects) <= set(known[article].subjects):
                errors[f"{where}.articles"] = f"条款 {article} 不适用于该案由的全部当事人类型"
        result[str(key)] = Cause(str(key), spec["name"].strip(), subjects, tuple(articles))
    _raise_config(file, errors)
    return result


@lru_cache(maxsize=1)
def causes() -> dict[str, Cause]:
    return build_causes(read_yaml("causes.yaml"))


def causes_for(subject: str, article: str | None = None) -> list[Cause]:
    """The causes open to a subject type (and citing `article`, if given)."""
    return [c for c in causes().values()
            if subject in c.subjects and (article is None or article in c.articles)]


# -- system parameters -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Parameter:
    key: str
    value: object
    allowed: tuple
    mark: str
    basis: tuple[Citation, ...]
    note: str


def build_parameters(raw, file: str = "parameters.yaml") -> dict[str, Parameter]:
    errors: dict[str, str] = {}
    if not isinstance(raw, dict):
        _raise_config(file, {"（全文）": "应为映射"})
    result = {}
    for key, spec in raw.items():
        where = str(key)
        if not isinstance(spec, dict) or "value" not in spec or not isinstance(spec.get("allowed"), list):
            errors[where] = "参数须写明 value 和 allowed"
            continue
        if spec["value"] not in spec["allowed"]:
            errors[f"{where}.value"] = f"取值应为 {spec['allowed']} 之一"
        if spec.get("mark") not in MARKS:
            errors[f"{where}.mark"] = "核实标记应为 ✅、◐ 或 ⚠"
        if not isinstance(spec.get("note"), str) or not spec["note"].strip():
            errors[f"{where}.note"] = "须说明参数含义"
        basis = parse_citations(spec.get("basis"), f"{where}.basis", errors)
        result[where] = Parameter(where, spec["value"], tuple(spec["allowed"]), spec.get("mark"), basis,
                                  spec.get("note", ""))
    _raise_config(file, errors)
    return result


@lru_cache(maxsize=1)
def parameters() -> dict[str, Parameter]:
    return build_parameters(read_yaml("parameters.yaml"))


def parameter(key: str):
    return parameters()[key].value


def validate_all() -> None:
    """Load and validate every rules file (called at start-up and by the tests)."""
    laws()
    catalogue()
    causes()
    parameters()
    from caseflow.rules.profiles import profiles
    from caseflow.rules.timelimits import kinds
    profiles()
    kinds()
