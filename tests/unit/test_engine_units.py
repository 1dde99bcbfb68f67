"""Pure pieces of the engine: the unit of work's nesting, form validation with Chinese messages, and the
canonical hashing of audit events (the format every stored chain depends on). No database."""
import hashlib
import json
import re
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

import caseflow.extensions
from caseflow.audit.models import AuditEvent
from caseflow.audit.services import GENESIS_HASH, HASHED_FIELDS, _jsonable, canonical_content, event_hash
from caseflow.db import unit_of_work
from caseflow.errors import ValidationFailed
from caseflow.workflow.definitions import FieldDef, TransitionDef
from caseflow.workflow.forms import validate_data

CJK = re.compile(r"[\u4e00-\u9fff]")


# -- unit of work ------------------------------------------------------------------------------------

class FakeSession:
    def __init__(self, fail_commit=False):
        self.info, self.calls, self.fail_commit = {}, [], fail_commit

    def commit(self):
        self.calls.append("commit")
        if self.fail_commit:
            raise RuntimeError("could not serialize access")

    def rollback(self):
        self.calls.append("rollback")


@pytest.fixture
def session(monkeypatch):
    fake = FakeSession()
    monkeypatch.setattr(caseflow.extensions, "db", SimpleNamespace(session=fake))
    return fake


@unit_of_work
def inner(session, fail=False):
    session.calls.append("inner")
    if fail:
        raise ValueError("inner failed")
    return "inner result"


@unit_of_work
def outer(session, fail_inner=False, fail_after=False):
    session.calls.append("outer")
    result = inner(session, fail=fail_inner)
    assert session.info["uow_depth"] == 1  # back to the outer level
    if fail_after:
        raise ValueError("outer failed")
    return result


def test_unit_of_work_commits_once_at_the_outermost_level(session):
    assert outer(session) == "inner result"
    assert session.calls == ["outer", "inner", "commit"]
    assert session.info["uow_depth"] == 0


def test_unit_of_work_rolls_back_once_when_a_nested_call_raises(session):
    with pytest.raises(ValueError, match="inner failed"):
        outer(session, fail_inner=True)
    assert session.calls == ["outer", "inner", "rollback"]
    assert session.info["uow_depth"] == 0
    assert inner(session) == "inner result"  # the next call is a transaction of its own again
    assert session.calls[-2:] == ["inner", "commit"]


def test_unit_of_work_rolls_back_when_the_outer_call_raises_after_the_inner_one(session):
    with pytest.raises(ValueError, match="outer failed"):
        outer(session, fail_after=True)
    assert session.calls == ["outer", "inner", "rollback"]


def test_unit_of_work_rolls_back_a_failed_commit(monkeypatch):
    fake = FakeSession(fail_commit=True)
    monkeypatch.setattr(caseflow.extensions, "db", SimpleNamespace(session=fake))
    with pytest.raises(RuntimeError):
        inner(fake)
    assert fake.calls == ["inner", "commit", "rollback"] and fake.info["uow_depth"] == 0


def test_unit_of_work_rolls_back_on_interrupts_too(session):
    @unit_of_work
    def interrupted():
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert session.calls == ["rollback"]


# -- form validation ---------------------------------------------------------------------------------

def transition(*fields):
    return TransitionDef(trigger="t_" + "_".join(f.name for f in fields), label="测试", sources=("a",),
                         dest="b", roles=("officer",), guards=(), effects=(), fields=tuple(fields))


FINE = transition(FieldDef("fine", "decimal", "罚款金额（元）"))
OFFICERS = transition(FieldDef("officers", "officers", "承办执法人员"))
DAY = transition(FieldDef("served_on", "date", "送达日期"))
OPTIONAL_DAY = transition(FieldDef("ended_on", "date", "终了日期", required=False))
CHOICE = transition(FieldDef("method", "choice", "送达方式", choices=(("direct", "直接送达"), ("post", "邮寄送达"))))
DAYS = transition(FieldDef("days", "integer", "延长天数", min=1, max=60))
PAGES = transition(FieldDef("pages", "integer", "卷内页数", min=1))
TEXT = transition(FieldDef("reason", "text", "理由", max_length=10))
FLAG = transition(FieldDef("harm", "boolean", "有危害后果", required=False))
PERSON = transition(FieldDef("presider_id", "user", "听证主持人"))


def refused(t, data) -> str:
    """The Chinese message for the one field of `t`, after checking the error names it."""
    with pytest.raises(ValidationFailed) as raised:
        validate_data(t, data)
    error = raised.value
    name, label = t.fields[0].name, t.fields[0].label
    assert error.status == 422 and set(error.details) == {name}
    assert label in error.message and error.message.startswith("填写有误")
    message = error.details[name]
    assert CJK.search(message) and not re.search(r"[a-z]{3,}", message), message  # no English leaks
    return message


@pytest.mark.parametrize("raw, amount", [
    ("1234.56", "1234.56"), ("38000", "38000.00"), (" 12.5 ", "12.50"), ("1,234,567.8", "1234567.80"),
    (38000, "38000.00"), (0.1, "0.10"), (Decimal("99.9"), "99.90"), ("0", "0.00"), ("-0", "0.00"),
    ("999999999999.99", "999999999999.99"),
])
def test_money_accepts_yuan_with_at_most_two_decimals(raw, amount):
    value = validate_data(FINE, {"fine": raw})["fine"]
    assert value == Decimal(amount) and str(value) == amount


@pytest.mark.parametrize("raw, message", [
    ("1.234", "两位小数"), ("0.001", "两位小数"), (Decimal("12.345"), "两位小数"),
    ("-1", "负数"), ("-0.01", "负数"), (-5, "负数"),
    ("abc", "格式不正确"), ("12元", "格式不正确"), ("1.2.3", "格式不正确"), ("1,2,3", "格式不正确"),
    ("1e3", "格式不正确"), ("NaN", "格式不正确"), ("Infinity", "格式不正确"), (float("inf"), "格式不正确"),
    ("1_000", "格式不正确"), (True, "格式不正确"), ([1], "格式不正确"),
    ("1000000000000", "过大"),
    (None, "不能为空"), ("   ", "不能为空"),
])
def test_money_rejects_with_a_chinese_message(raw, message):
    assert message in refused(FINE, {"fine": raw})


def test_required_field_missing_is_named():
    assert refused(FINE, {}) == "此项为必填项"


@pytest.mark.parametrize("raw", [[3, 4], ["3", "4"], [3, 4, 5], [3, 3]])
def test_officers_are_a_list_of_at_least_two_ids(raw):
    # duplicates pass here; the guard proposed_officers_qualified counts distinct qualified officers
    assert validate_data(OFFICERS, {"officers": raw})["officers"] == [int(v) for v in raw]


@pytest.mark.parametrize("raw, message", [
    ([], "至少需要两名执法人员"), ([3], "至少需要两名执法人员"), ("3,4", "应为人员列表"), (3, "应为人员列表"),
    ([3, "张三"], "人员编号无效"), ([3, 4.5], "人员编号无效"), ([3, True], "人员编号无效"), ([3, None], "人员编号无效"),
])
def test_officers_rejected(raw, message):
    assert message in refused(OFFICERS, {"officers": raw})


def test_dates():
    assert validate_data(DAY, {"served_on": "2025-03-03"}) == {"served_on": date(2025, 3, 3)}
    assert validate_data(DAY, {"served_on": date(2025, 3, 3)}) == {"served_on": date(2025, 3, 3)}
    for bad in ("2025/03/03", "2025-02-30", "03-03-2025", "明天", 20250303, datetime(2025, 3, 3, 9, 30),
                "2025-03-03T09:30:00"):
        assert refused(DAY, {"served_on": bad}) == "日期格式应为 YYYY-MM-DD", bad
    assert refused(DAY, {"served_on": ""}) == "此项不能为空"
    assert validate_data(OPTIONAL_DAY, {"ended_on": ""}) == {}
    assert validate_data(OPTIONAL_DAY, {"ended_on": None}) == {}


def test_choices_take_the_value_not_the_label():
    assert validate_data(CHOICE, {"method": "post"}) == {"method": "post"}
    for bad in ("邮寄送达", "POST", "fax", 1):
        assert refused(CHOICE, {"method": bad}) in ("不是有效的选项", "格式不正确")


def test_integers_in_range_and_never_truncated():
    assert validate_data(DAYS, {"days": "30"}) == {"days": 30}
    assert validate_data(DAYS, {"days": 60.0}) == {"days": 60}
    assert refused(DAYS, {"days": 0}) == "应在 1 到 60 之间"
    assert refused(DAYS, {"days": "61"}) == "应在 1 到 60 之间"
    for bad in ("abc", "30.5", 30.5, Decimal("30.5"), True, "三十"):
        assert refused(DAYS, {"days": bad}) == "应为整数", bad
    assert refused(PAGES, {"pages": 0}) == "不能小于 1"
    assert refused(PERSON, {"presider_id": 7.5}) == "人员编号无效"


def test_text_length_and_blank():
    assert validate_data(TEXT, {"reason": "  有正当理由  "}) == {"reason": "  有正当理由  "}
    assert refused(TEXT, {"reason": "理" * 11}) == "不能超过 10 个字"
    assert refused(TEXT, {"reason": "  "}) == "此项不能为空"
    assert refused(TEXT, {"reason": 12}) == "格式不正确"


def test_booleans():
    assert validate_data(FLAG, {"harm": "true"}) == {"harm": True}
    assert validate_data(FLAG, {"harm": "false"}) == {"harm": False}
    assert refused(FLAG, {"harm": "也许"}) == "应为是或否"


def test_every_bad_field_is_named_at_once_and_unknown_keys_are_dropped():
    both = transition(FieldDef("fine", "decimal", "罚款金额（元）"), FieldDef("served_on", "date", "送达日期"))
    with pytest.raises(ValidationFailed) as raised:
        validate_data(both, {"fine": "-1", "served_on": "昨天", "state": "archived"})
    assert set(raised.value.details) == {"fine", "served_on"}
    assert "罚款金额（元）" in raised.value.message and "送达日期" in raised.value.message
    assert validate_data(FINE, {"fine": "1", "state": "archived", "version": 9}) == {"fine": Decimal("1.00")}


@pytest.mark.parametrize("data", [["fine", "1"], "fine=1", 5])
def test_data_that_is_not_a_mapping_is_refused(data):
    with pytest.raises(ValidationFailed, match="提交的数据格式不正确"):
        validate_data(FINE, data)


# -- canonical hashing of audit events ----------------------------------------------------------------

def sample_event(**changes) -> AuditEvent:
    values = {"seq": 7, "occurred_at": datetime(2025, 3, 10, 9, 30, 0), "actor_id": 5, "actor_name": "王海峰",
              "organisation_id": 2, "case_id": 3, "code": "APPROVE_FILING",
              "summary": "王海峰（负责人）执行「批准立案」：立案待审批 → 调查取证",
              "before": {"state": "filing_proposed", "version": 2, "case_number": None,
                         "facts": {"b": 1, "a": "甲"}},
              "after": {"state": "investigating", "data": {"opinion": "同意。", "fine": "38000.00"},
                        "role": "head"},
              "reason": "同意。", "request_id": "req-1", "client_addr": "10.0.0.8", "prev_hash": GENESIS_HASH}
    values.update(changes)
    return AuditEvent(**values)


# Frozen on purpose: every stored chain was hashed this way. A change here makes `audit verify` fail on
# every existing installation, so it needs a migration of the chain, not a new expected value.
GOLDEN = "a07e3d4a13d761103e162e72ccccf5c56f0f0bd42c6df36970d970d8d3cd0e56"


def test_hash_of_a_known_event_is_frozen():
    event = sample_event()
    content = canonical_content(event)
    assert json.loads(content)["occurred_at"] == "2025-03-10T09:30:00.000000"
    assert "王海峰".encode() in content  # UTF-8, not \\u escapes
    assert event_hash(event) == hashlib.sha256(content).hexdigest() == GOLDEN


def test_hash_ignores_key_order_row_id_and_the_stored_hash():
    reordered = sample_event(before={"facts": {"a": "甲", "b": 1}, "case_number": None, "version": 2,
                                     "state": "filing_proposed"})
    assert event_hash(reordered) == event_hash(sample_event())
    assert event_hash(sample_event(id=99, hash="f" * 64)) == event_hash(sample_event())


def test_hash_is_the_same_for_an_orm_object_and_a_plain_row():
    event = sample_event()
    row = SimpleNamespace(**{name: getattr(event, name) for name in HASHED_FIELDS})
    assert event_hash(row) == event_hash(event)


@pytest.mark.parametrize("field, value", [
    ("seq", 8), ("occurred_at", datetime(2025, 3, 10, 9, 30, 0, 1)), ("actor_id", 6), ("actor_name", "王海"),
    ("organisation_id", 3), ("case_id", None), ("code", "RETURN_FILING"), ("summary", "王海峰执行「退回立案申请」"),
    ("before", {"state": "filing_proposed"}), ("after", {"state": "clue_registered"}), ("reason", None),
    ("request_id", "req-2"), ("client_addr", "10.0.0.9"), ("prev_hash", "1" * 64),
])
def test_every_hashed_field_changes_the_hash(field, value):
    assert field in HASHED_FIELDS
    assert event_hash(sample_event(**{field: value})) != event_hash(sample_event())


def test_hash_survives_the_json_round_trip_of_the_database():
    """What record() hashes (values made JSON-safe) is what a JSON column gives back years later."""
    data = {"fine": Decimal("38000.00"), "served_on": date(2025, 3, 10), "officers": [3, 4]}
    after = _jsonable({"data": data, "notes": [], "flag": True, "ratio": 0.5})
    assert after["data"] == {"fine": "38000.00", "served_on": "2025-03-10", "officers": [3, 4]}
    stored = json.loads(json.dumps(after, ensure_ascii=True))
    assert event_hash(sample_event(after=stored)) == event_hash(sample_event(after=after))


def test_violation_item_errors_name_the_row_and_field():
    import pytest as _pytest
    from caseflow.errors import ValidationFailed
    from caseflow.workflow.definitions import FieldDef, TransitionDef
    from caseflow.workflow.forms import validate_data
    t = TransitionDef("t", "t", ("a",), "b", ("officer",), (), (),
                      (FieldDef("violations", "violations", "违法行为条款及金额"),))
    with _pytest.raises(ValidationFailed) as info:
        validate_data(t, {"violations": [{"article": "735-38", "amount": "1.234"}, {"article": "nope", "amount": "5"}]})
    assert set(info.value.details) == {"violations", "violations.0.amount", "violations.1.article"}
    assert "第1行金额" in info.value.message and "第2行条款" in info.value.message
