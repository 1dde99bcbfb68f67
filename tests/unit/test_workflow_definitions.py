"""The workflow definitions (workflows/*.yaml) as data: they load, validate, hang together as graphs,
and a broken definition is refused at start-up with a message naming the problem. Pure: no database."""
import copy
import re
from collections import deque
from pathlib import Path

import pytest

import caseflow.workflow.wiring  # noqa: F401  (fills the guard and effect registries)
from caseflow.auth.roles import ALL_ROLES, ARCHIVIST, HEAD, LEGAL_REVIEWER, OFFICER, PRINCIPAL_HEAD
from caseflow.errors import ConfigurationError
from caseflow.rules.time_limits import time_limits
from caseflow.workflow.definitions import WORKFLOW_FILES, load_definitions, parse_definition
from caseflow.workflow.registry import EFFECTS, GUARDS

WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"
CJK = re.compile(r"[\u4e00-\u9fff]")
APPROVER_ROLES = {HEAD, PRINCIPAL_HEAD, LEGAL_REVIEWER, ARCHIVIST}


@pytest.fixture(scope="module")
def definitions():
    return load_definitions(WORKFLOWS_DIR)


@pytest.fixture(params=WORKFLOW_FILES)
def defn(request, definitions):
    return definitions[request.param]


def _edges(defn):
    edges = {}
    for t in defn.transitions:
        if t.dest:
            for s in t.sources:
                edges.setdefault(s, set()).add(t.dest)
    return edges


def _reachable(edges, start):
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


# ---- the shipped definitions ------------------------------------------------------------------------

def test_both_definitions_load_and_validate(definitions):
    assert set(definitions) == {"general_procedure", "simplified_procedure"}
    assert definitions["general_procedure"].initial == "clue_registered"
    assert definitions["simplified_procedure"].initial == "onsite_registered"
    assert "archived" in definitions["general_procedure"].terminal
    assert "archived" in definitions["simplified_procedure"].terminal


def test_every_state_is_reachable_from_the_initial_state(defn):
    reached = _reachable(_edges(defn), defn.initial)
    assert set(defn.states) - reached == set()


def test_every_non_terminal_state_has_an_exit(defn):
    edges = _edges(defn)
    dead = [s for s in defn.states if s not in defn.terminal and not edges.get(s)]
    assert dead == []


def test_terminal_states_have_no_transitions(defn):
    for state in defn.terminal:
        assert defn.transitions_from(state) == []


def test_every_state_can_still_reach_a_terminal_state(defn):
    """No trap: from any state some sequence of acts ends the case (archived, not filed, transferred…)."""
    edges = _edges(defn)
    for state in defn.states:
        assert _reachable(edges, state) & set(defn.terminal), state


def test_archived_is_reachable_from_every_filed_state(definitions):
    """Every case that was filed can still be closed and archived (spec §3.13: one case, one file)."""
    defn = definitions["general_procedure"]
    edges = _edges(defn)
    pre_filing = {"clue_registered", "filing_proposed", "not_filing_proposed", "clue_transfer_proposed",
                  "not_filed", "clue_transferred"}
    for state in set(defn.states) - pre_filing:
        assert "archived" in _reachable(edges, state), state


def test_every_guard_and_effect_named_is_registered(defn):
    for t in defn.transitions:
        for name, _ in t.guards:
            assert name in GUARDS, (t.trigger, name)
        for name, _ in t.effects:
            assert name in EFFECTS, (t.trigger, name)


def test_every_role_named_is_known(defn):
    for t in defn.transitions:
        assert t.roles and set(t.roles) <= set(ALL_ROLES), t.trigger


def test_every_approval_is_made_by_an_approver_never_by_an_officer(defn):
    """A transition leaving an approval form (record_approval) is a head's, a principal head's, a legal
    reviewer's or an archivist's act (spec §5.2); an officer never approves their own proposal."""
    approving = [t for t in defn.transitions if any(name == "record_approval" for name, _ in t.effects)]
    assert approving
    for t in approving:
        assert OFFICER not in t.roles, t.trigger
        assert set(t.roles) <= APPROVER_ROLES, t.trigger


def test_every_officer_act_after_filing_needs_two_qualified_officers(defn):
    """行政处罚法 Arts. 42, 55; spec S20: once officers are assigned, no officer act with fewer than two
    qualified officers left (after a recusal or an expired credential)."""
    before_assignment = {"clue_registered", "onsite_registered"}
    for t in defn.transitions:
        if OFFICER in t.roles and not set(t.sources) & before_assignment and t.trigger != "hold_hearing":
            assert "officers_available" in {name for name, _ in t.guards}, t.trigger


def test_decisions_to_transfer_to_police_need_the_principal_head(definitions):
    """Order 310 Art. 5: the principal head (主要负责人) decides a crime transfer."""
    t = definitions["general_procedure"].find("decision_proposed", "approve_police_transfer")
    assert t.roles == (PRINCIPAL_HEAD,)


def test_every_field_state_and_action_has_a_chinese_label(defn):
    for state in defn.states.values():
        assert CJK.search(state.label), state.name
    for t in defn.transitions:
        assert CJK.search(t.label), t.trigger
        for fd in t.fields:
            assert CJK.search(fd.label or ""), (t.trigger, fd.name)
            for value, label in fd.choices:
                assert CJK.search(label), (t.trigger, fd.name, value)


# Guards that read the form: the fields each one needs (a misspelt field silently disables the guard).
GUARD_FIELDS = {
    "proposed_officers_qualified": {"officers"},
    "not_time_barred": {"conduct_ended_on", "life_health_harm"},
    "presider_not_investigator": {"presider_id"},
    "hearing_request_in_time": {"requested_on", "late_reason"},
    "statement_period_over": {"outcome"},
    "hearing_notice_in_time": {"hearing_notice_served_on", "hearing_date"},
    "electronic_service_consented": {"method", "electronic_consent", "witness", "public_notice_reason"},
    "onsite_form_available": {"form_number"},
    "prior_notice_served_for_penalty": {"decision_kind"},
    "decision_within_notice": {"decision_kind", "fine_amount"},
    "simplified_procedure_limits": {"fine_amount"},
    "preservation_approval_timely": {"taken_on", "emergency"},
    "hearing_right_notified_when_due": {"hearing_right"},
    "decision_respects_assessment": {"decision_kind", "fine_amount"},
    "refund_as_assessed": {"decision_kind", "refund_amount"},
    "criminal_referral_assessed": {"decision_kind"},
    "collective_discussion_done_for_penalty": {"decision_kind"},
}


def test_guards_that_read_the_form_are_attached_to_transitions_declaring_those_fields(defn):
    for t in defn.transitions:
        declared = {fd.name for fd in t.fields}
        for name, args in t.guards:
            if name in GUARD_FIELDS:
                assert GUARD_FIELDS[name] <= declared, (t.trigger, name, GUARD_FIELDS[name] - declared)
            if name == "dates_not_in_future":
                assert set(dict(args).get("allow", ())) <= declared, t.trigger
            if GUARDS[name].needs_data:
                assert name in GUARD_FIELDS or name == "dates_not_in_future", name


def test_every_deadline_code_named_exists_in_the_time_limit_catalogue(defn):
    catalogue = time_limits()
    for t in defn.transitions:
        for name, args in t.guards + t.effects:
            code = dict(args).get("code")
            if code:
                assert code in catalogue, (t.trigger, name, code)


def test_deadline_effects_read_dates_the_transition_provides(defn):
    """A deadline counted from a form field needs that field (or a fact set by an earlier effect)."""
    for t in defn.transitions:
        declared = {fd.name for fd in t.fields}
        produced = set()
        for name, args in t.effects:
            args = dict(args)
            if name == "record_service":
                produced.add(f"{args['prefix']}_effective_on")
            source = args.get("source")
            if name in ("schedule_deadline", "meet_deadline", "pause_deadline", "resume_deadline") and source:
                assert source in declared | produced | {"filed_on", "closed_on", "decided_on", "today"}, \
                    (t.trigger, name, source)
            if name == "set_date":
                produced.add(args["column"])


def test_the_statutory_period_units_follow_article_85():
    """行政处罚法 Art. 85 / 行政强制法 Art. 69: the short periods are working days; others calendar days."""
    limits = time_limits()
    for code in ("T1", "T4", "T10", "T11", "T12", "T14", "T16", "T20"):
        assert limits[code].unit == "working", code
    for code in ("T8", "T17"):
        assert limits[code].unit == "calendar", code
    assert (limits["T8"].days, limits["T17"].days, limits["T11"].days, limits["T20"].days) == (90, 15, 5, 10)
    assert (limits["T24"].unit, limits["T24"].days) == ("months", 6)


# ---- broken definitions are refused at start-up -----------------------------------------------------

MINIMAL = {
    "name": "general_procedure",
    "label": "测试流程",
    "initial": "start",
    "terminal": ["done"],
    "states": {"start": {"label": "开始"}, "middle": {"label": "中间"}, "done": {"label": "完成"}},
    "transitions": [
        {"trigger": "go", "label": "前进", "source": "start", "dest": "middle", "roles": ["officer"],
         "guards": ["actor_is_assigned_officer"], "fields": [{"name": "note", "type": "text", "label": "说明"}]},
        {"trigger": "finish", "label": "完成", "source": "middle", "dest": "done", "roles": ["head"],
         "effects": [{"record_approval": {"kind": "x", "form": "审批表"}}]},
    ],
}


def _raw(**changes):
    raw = copy.deepcopy(MINIMAL)
    raw.update(changes)
    return raw


def test_the_minimal_definition_is_valid():
    defn = parse_definition(_raw(), "minimal")
    assert [t.trigger for t in defn.transitions] == ["go", "finish"]


def _refused(raw, *fragments):
    with pytest.raises(ConfigurationError) as info:
        parse_definition(raw, "broken.yaml")
    message = str(info.value)
    assert "broken.yaml" in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_unknown_guard_is_refused():
    raw = _raw()
    raw["transitions"][0]["guards"] = ["no_such_guard"]
    _refused(raw, "未知的 guard 'no_such_guard'", "transition go")


def test_unknown_effect_is_refused():
    raw = _raw()
    raw["transitions"][1]["effects"] = [{"no_such_effect": {"x": 1}}]
    _refused(raw, "未知的 effect 'no_such_effect'", "transition finish")


def test_unknown_role_is_refused():
    raw = _raw()
    raw["transitions"][0]["roles"] = ["janitor"]
    _refused(raw, "未知角色 'janitor'")


def test_transition_without_roles_is_refused():
    raw = _raw()
    raw["transitions"][0]["roles"] = []
    _refused(raw, "没有列出可执行的角色")


def test_transition_to_an_undefined_state_is_refused():
    raw = _raw()
    raw["transitions"][1]["dest"] = "nowhere"
    _refused(raw, "状态 'nowhere' 未定义")


def test_transition_from_an_undefined_state_is_refused():
    raw = _raw()
    raw["transitions"][1]["source"] = ["middle", "limbo"]
    _refused(raw, "状态 'limbo' 未定义")


def test_undefined_initial_or_terminal_state_is_refused():
    _refused(_raw(initial="nowhere"), "初始状态 'nowhere' 未定义")
    _refused(_raw(terminal=["done", "gone"]), "终止状态 'gone' 未定义")


def test_unreachable_state_is_refused():
    raw = _raw()
    raw["states"]["island"] = {"label": "孤岛"}
    raw["transitions"].append({"trigger": "leave", "label": "离开", "source": "island", "dest": "done",
                               "roles": ["head"]})
    _refused(raw, "状态 'island' 从初始状态不可达")


def test_dead_end_state_is_refused():
    raw = _raw()
    raw["states"]["stuck"] = {"label": "卡住"}
    raw["transitions"].append({"trigger": "jam", "label": "卡住", "source": "middle", "dest": "stuck",
                               "roles": ["officer"]})
    _refused(raw, "状态 'stuck' 不是终止状态却没有出口")


def test_a_state_left_only_by_internal_transitions_is_a_dead_end():
    raw = _raw()
    raw["states"]["stuck"] = {"label": "卡住"}
    raw["transitions"] += [
        {"trigger": "jam", "label": "卡住", "source": "middle", "dest": "stuck", "roles": ["officer"]},
        {"trigger": "note", "label": "记录", "source": "stuck", "roles": ["officer"]},
    ]
    _refused(raw, "状态 'stuck' 不是终止状态却没有出口")


def test_transition_out_of_a_terminal_state_is_refused():
    raw = _raw()
    raw["transitions"].append({"trigger": "reopen", "label": "重开", "source": "done", "dest": "middle",
                               "roles": ["head"]})
    _refused(raw, "终止状态 'done' 不能再有转换")


def test_duplicate_trigger_in_one_state_is_refused():
    raw = _raw()
    raw["transitions"].append(copy.deepcopy(raw["transitions"][0]))
    _refused(raw, "在状态 'start' 下重复定义")


def test_bad_field_type_and_field_role_are_refused():
    raw = _raw()
    raw["transitions"][0]["fields"] = [{"name": "x", "type": "colour", "label": "颜色"},
                                       {"name": "who", "type": "user", "label": "人员", "role": "janitor"}]
    _refused(raw, "字段 x 的类型 'colour' 无效", "字段 who 的角色 'janitor' 无效")


def test_malformed_guard_entry_is_refused():
    raw = _raw()
    raw["transitions"][0]["guards"] = [{"a": {}, "b": {}}]
    _refused(raw, "guard 写法无效")


def test_every_problem_is_listed_not_only_the_first():
    raw = _raw()
    raw["transitions"][0]["guards"] = ["no_such_guard"]
    raw["transitions"][0]["roles"] = ["janitor"]
    raw["transitions"][1]["dest"] = "nowhere"
    _refused(raw, "no_such_guard", "janitor", "nowhere")


def test_load_definitions_refuses_a_file_whose_name_does_not_match(tmp_path):
    for name in WORKFLOW_FILES:
        (tmp_path / f"{name}.yaml").write_text((WORKFLOWS_DIR / f"{name}.yaml").read_text(encoding="utf-8"),
                                               encoding="utf-8")
    text = (tmp_path / "simplified_procedure.yaml").read_text(encoding="utf-8")
    (tmp_path / "simplified_procedure.yaml").write_text(
        text.replace("name: simplified_procedure", "name: other_procedure", 1), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="name 应为 simplified_procedure"):
        load_definitions(tmp_path)


def test_load_definitions_refuses_a_broken_shipped_file(tmp_path):
    for name in WORKFLOW_FILES:
        (tmp_path / f"{name}.yaml").write_text((WORKFLOWS_DIR / f"{name}.yaml").read_text(encoding="utf-8"),
                                               encoding="utf-8")
    text = (tmp_path / "general_procedure.yaml").read_text(encoding="utf-8")
    (tmp_path / "general_procedure.yaml").write_text(
        text.replace("guards: [filing_officers_still_qualified]", "guards: [filing_officer_qualified]", 1),
        encoding="utf-8")
    with pytest.raises(ConfigurationError, match="未知的 guard 'filing_officer_qualified'"):
        load_definitions(tmp_path)


def test_load_definitions_refuses_a_missing_file(tmp_path):
    with pytest.raises(ConfigurationError, match="无法读取流程定义"):
        load_definitions(tmp_path)
