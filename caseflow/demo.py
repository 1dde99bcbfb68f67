"""Demo data: an organisation hierarchy, users of every role, parties of every kind, and about thirty
cases spread over every state — each produced by firing the real transitions, never by writing a state.

`STEP_DATA` holds a plausible form for each trigger; `drive()` fires a sequence of triggers as the
right users on simulated dates. Tests use the same helpers.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import click
from sqlalchemy import select

from caseflow.auth.models import Organisation, User, UserRole
from caseflow.auth.roles import ARCHIVIST, HEAD, LEGAL_REVIEWER, OFFICER, PRINCIPAL_HEAD, ADMIN
from caseflow.auth.services import hash_password
from caseflow.cases import services as cases
from caseflow.cases.models import Case
from caseflow.db import unit_of_work
from caseflow.documents.models import OnsiteForm
from caseflow.extensions import db
from caseflow.parties.models import Party
from caseflow.workflow import engine

DEMO_PASSWORD = "caseflow2026"

ORGANISATIONS = [
    # key, name, short name, prefix, level, parent key
    ("fj", "福建省医疗保障局", "福建省医保局", "闽", "province", None),
    ("fz", "福州市医疗保障局", "福州市医保局", "榕", "city", "fj"),
    ("gl", "福州市鼓楼区医疗保障局", "鼓楼区医保局", "鼓", "county", "fz"),
]

# what documents print about each organisation (单位设置 → 文书设置)
GOVERNMENT = {"fj": "福建省人民政府", "fz": "福州市人民政府", "gl": "福州市鼓楼区人民政府"}
COURT = {"fj": "福州市中级人民法院", "fz": "福州市鼓楼区人民法院", "gl": "福州市鼓楼区人民法院"}


def demo_document_settings(key: str, name: str) -> dict:
    return {"address": f"{name}（福州市鼓楼区五四路 {100 + len(key)} 号）", "phone": "0591-87000000", "postcode": "350003",
            "reconsideration_body": GOVERNMENT[key], "court": COURT[key], "superior": "福建省医疗保障局",
            "police": "福州市公安局", "fine_payee_name": "福州市财政局（非税收入汇缴结算户）",
            "fine_payee_bank": "中国工商银行福州分行", "fine_payee_account": "1402 0000 0000 0000 001",
            "fund_payee_name": "福州市医疗保障基金财政专户", "fund_payee_bank": "中国建设银行福州分行",
            "fund_payee_account": "3505 0100 0000 0000 002"}


ONSITE_FORM_PREFIX = "榕医保当〔{year}〕"

USERS = [
    # username, name, org key, roles, credential number
    ("officer", "林志远", "fz", [OFFICER], "35010020230001"),
    ("officer2", "陈晓梅", "fz", [OFFICER], "35010020230002"),
    ("officer3", "黄建华", "fz", [OFFICER], "35010020230003"),
    ("reviewer", "郑丽娟", "fz", [LEGAL_REVIEWER], None),
    ("head", "王海峰", "fz", [HEAD], None),
    ("principal", "刘振国", "fz", [PRINCIPAL_HEAD], None),
    ("archivist", "吴秀英", "fz", [ARCHIVIST], None),
    ("admin", "系统管理员", "fz", [ADMIN], None),
    ("gl_officer", "张明", "gl", [OFFICER], "35010220230011"),
    ("gl_officer2", "李静", "gl", [OFFICER], "35010220230012"),
    ("gl_head", "周立新", "gl", [HEAD], None),
    ("fj_head", "许文斌", "fj", [HEAD], None),
]

PARTIES = [
    # kind, name, credit code / id number, legal representative, address
    ("pharmacy", "福州仁和大药房有限公司", "91350100M000100Y43", "陈国强", "福州市鼓楼区五四路 88 号"),
    ("institution", "福州康宁医院有限公司", "91110000802100433B", "李建平", "福州市台江区八一七中路 120 号"),
    ("institution", "福州安康门诊部", "91330100716105852F", "王秀兰", "福州市仓山区首山路 9 号"),
    ("pharmacy", "鼓楼百姓药店", "9144030071526726XG", "赵敏", "福州市鼓楼区杨桥中路 21 号"),
    ("insured", "张三", "11010519491231002X", None, "福州市晋安区福新中路 15 号"),
]

DAY = timedelta(days=1)


def _opinion(text="同意。"):
    return {"opinion": text}


def _service(on: date):
    return {"served_on": on, "method": "direct", "recipient": "当事人法定代表人"}


# The violation the demo alleges, by party: an institution or pharmacy substituted drugs (Order 735 Art. 38(4),
# loss 38,000: refund 38,000, fine 1–2× the loss); an insured person defrauded the fund with someone else's
# card (Art. 41(2), 1,500 defrauded: refund 1,500, fine 2–5×).
ORGANISATION_CASE = {"article": "735-38", "amount": Decimal("38000.00"), "fraud_purpose": False,
                     "fine": Decimal("38000.00"), "refund": Decimal("38000.00")}
PERSON_CASE = {"article": "735-41-2", "amount": Decimal("1500.00"), "fraud_purpose": True,
               "fine": Decimal("3000.00"), "refund": Decimal("1500.00"), "settlement_suspension_months": 3}


def step_data(trigger: str, on: date, people: dict, party=None) -> dict:
    """A plausible, valid form for `trigger` acted on `on` (against `party`, by default an organisation)."""
    alleged = PERSON_CASE if party is not None and party.kind == "insured" else ORGANISATION_CASE
    fine, refund = alleged["fine"], alleged["refund"]
    officers = [people["officer"].id, people["officer2"].id]
    data = {
        "propose_filing": {"officers": officers, "cause": "串换药品骗取医保基金",
                           "facts": "经数据筛查发现该机构存在将日用品串换为医保目录内药品结算的情况。",
                           "suspected_provisions": "《医疗保障基金使用监督管理条例》第三十八条",
                           "conduct_ended_on": on - 40 * DAY},
        "propose_not_filing": {"reason_kind": "no_violation", "reason": "经核查，举报事项与事实不符。"},
        "propose_clue_transfer": {"receiving_authority": "福州市卫生健康委员会", "reason": "属卫生健康部门管辖。"},
        "extend_verification": {"reason": "需调取第三方结算数据。", "opinion": "同意延长十五个工作日。"},
        "extend_time_limit": {"reason": "案情复杂，需进一步调查取证。", "opinion": "同意延长三十日。"},
        "extend_time_limit_collectively": {"days": 30, "attendees": "王海峰、刘振国、郑丽娟",
                                           "reason": "需委托司法鉴定。", "opinion": "一致同意延长三十日。"},
        "approve_preservation": {"items": "2026 年 1 月至 6 月处方 312 张、进销存台账 2 册。",
                                 "reason": "当事人可能转移、销毁处方及台账。", "taken_on": on, "keeper": "本局证据保管室 林志远",
                                 "opinion": "同意先行登记保存。"},
        "record_preservation_decision": {"decided_on": on, "measure": "copied", "note": "已复制并经当事人核对后退还原件。"},
        "request_suspension": {"ground": "pending_case", "reason": "须以相关刑事案件的处理结果为依据。"},
        "resume_investigation": {"reason": "相关案件已作出处理。", "opinion": "同意恢复调查。"},
        "request_termination": {"ground": "party_ended", "reason": "当事人已注销且无权利义务承受人。"},
        "request_withdrawal": {"ground": "no_violation", "reason": "经调查违法事实不存在。"},
        "conclude_investigation": {"findings": f"当事人违规使用医保基金，涉及金额 {alleged['amount']:.2f} 元。",
                                   "evidence_summary": "结算明细、进销存记录、询问笔录、现场检查笔录。",
                                   "characterisation": "违反《医疗保障基金使用监督管理条例》第三十八条第（四）项",
                                   "proposed_handling": "penalty",
                                   "proposed_penalty": f"责令退回 {refund:.2f} 元，并处罚款 {fine:.2f} 元。",
                                   "violations": [{k: alleged[k] for k in ("article", "amount", "fraud_purpose")}],
                                   "circumstances": ["first_violation", "cooperated"],
                                   "conduct_ended_on": on - 60 * DAY,
                                   "legal_review_required": True, "collective_discussion_required": False},
        "reopen_investigation": {"reason": "需补充询问药店负责人。"},
        "submit_legal_review": {"materials": "调查终结报告、证据目录及证据材料。"},
        "pass_legal_review": _opinion("事实清楚，证据确凿，适用依据正确，程序合法，同意。"),
        "return_legal_review": {"opinion_kind": "supplement", "opinion": "损失金额计算依据不足，请补充调查。"},
        "propose_prior_notice": {"intended_penalty": f"拟责令退回 {refund:.2f} 元，并处罚款 {fine:.2f} 元。",
                                 "fine_amount": fine, "refund_amount": refund,
                                 "hearing_right": True},
        "approve_prior_notice": _opinion(),
        "serve_prior_notice": _service(on),
        "record_statement": {"received_on": on, "statement": "当事人称系收银员操作失误。", "adopted": "not_adopted",
                             "review_opinion": "当事人未提供证据，不予采纳。"},
        "request_hearing": {"requested_on": on},
        "conclude_statements": {"outcome": "expired"},
        "schedule_hearing": {"hearing_date": on + 14 * DAY, "place": "福州市医保局第一会议室",
                             "presider_id": people["officer3"].id, "publicity": "closed",
                             "hearing_notice_served_on": on},
        "hold_hearing": {"held_on": on, "attendance": "attended", "record_summary": "当事人对事实无异议，请求从轻处罚。",
                         "report": "建议维持拟处罚意见。"},
        "submit_final_review": {"materials": "听证笔录、听证报告及全部案卷材料。"},
        "pass_final_review": _opinion("经听证后复核，同意。"),
        "submit_collective_discussion": {"reason": "案情重大，提请集体讨论。"},
        "record_collective_discussion": {"held_on": on, "attendees": "王海峰、刘振国、郑丽娟（列席）",
                                         "views": "一致同意拟处罚意见，无不同意见。", "opinion": "同意作出行政处罚决定。"},
        "propose_decision": {"decision_kind": "penalty", "content": f"责令退回医保基金 {refund:.2f} 元，并处罚款 {fine:.2f} 元。",
                             "fine_amount": fine, "refund_amount": refund,
                             **({"settlement_suspension_months": alleged["settlement_suspension_months"]}
                                if "settlement_suspension_months" in alleged else {})},
        "serve_decision": _service(on),
        "hand_over_transfer": {"sent_on": on, "receiving_authority": "福州市公安局", "receipt": "已签收。"},
        "record_payment": {"paid_on": on, "fine_paid": fine, "refund_paid": refund,
                           "receipt_no": f"FJ{on:%Y%m%d}001"},
        "issue_reminder": {"served_on": on, "amount_due": f"罚款 {fine:.2f} 元；退回基金 {refund:.2f} 元"},
        "apply_court_enforcement": {"court": "福州市鼓楼区人民法院", "opinion": "同意申请强制执行。"},
        "propose_closing": {"ground": "executed", "summary": "处罚决定已执行完毕，申请结案。"},
        "archive_case": {},  # archive number, retention and pages are computed (caseflow.archive)
        "decide_on_spot": {"officers": officers, "cause": "未按规定悬挂定点标识", "facts": "现场检查发现……",
                           "legal_basis": "《医疗保障基金使用监督管理条例》第三十八条", "fine_amount": Decimal("2000.00"),
                           "decided_on": on, "place": "当事人经营场所", "form_number": ""},
        "decline_simplified": {"reason": "案情复杂，转一般程序。"},
        "hand_over_decision": {"handed_on": on, "signature": "signed"},
    }
    if trigger in data:
        return dict(data[trigger])
    return _opinion()


# who fires each trigger (the default is the lead officer)
ACTORS = {
    "approve_filing": "head", "return_filing": "head", "approve_not_filing": "head", "return_not_filing": "head",
    "approve_clue_transfer": "head", "return_clue_transfer": "head", "extend_verification": "head",
    "extend_time_limit": "head", "extend_time_limit_collectively": "principal", "approve_preservation": "head", "approve_suspension": "head",
    "return_suspension": "head", "resume_investigation": "head", "approve_termination": "head",
    "return_termination": "head", "approve_withdrawal": "head", "return_withdrawal": "head",
    "pass_legal_review": "reviewer", "return_legal_review": "reviewer", "pass_final_review": "reviewer",
    "return_final_review": "reviewer", "approve_prior_notice": "head", "return_prior_notice": "head",
    "record_collective_discussion": "principal", "approve_penalty_decision": "head",
    "approve_no_penalty_decision": "head", "approve_not_established": "head", "approve_police_transfer": "principal",
    "approve_authority_transfer": "head", "return_decision": "head", "apply_court_enforcement": "head",
    "approve_closing": "head", "return_closing": "head", "archive_case": "archivist", "record_with_agency": "head",
    "hold_hearing": "officer3",
}

# days that pass before each act (so statutory periods can run out on the simulated calendar)
WAIT = {"approve_filing": 2, "conclude_investigation": 30, "serve_prior_notice": 3, "conclude_statements": 10,
        "schedule_hearing": 1, "hold_hearing": 14, "record_payment": 5, "issue_reminder": 20,
        "apply_court_enforcement": 200, "archive_case": 5}  # court: after the 6-month litigation period

GENERAL_PENALTY_PATH = ["propose_filing", "approve_filing", "conclude_investigation", "submit_legal_review",
                        "pass_legal_review", "propose_prior_notice", "approve_prior_notice", "serve_prior_notice",
                        "conclude_statements", "propose_decision", "approve_penalty_decision", "serve_decision",
                        "record_payment", "propose_closing", "approve_closing", "archive_case"]


@dataclass
class Driven:
    case: Case
    today: date


def drive(case: Case, triggers, start: date, people: dict, overrides: dict | None = None) -> Driven:
    """Fire `triggers` in order as the right users, advancing a simulated calendar from `start`."""
    today = start
    overrides = overrides or {}
    for trigger in triggers:
        today += WAIT.get(trigger, 1) * DAY
        data = step_data(trigger, today, people, case.party)
        data.update(overrides.get(trigger, {}))
        actor = people[ACTORS.get(trigger, "officer")]
        if trigger == "decide_on_spot" and not data.get("form_number"):
            data["form_number"] = next_onsite_form(case.organisation_id)
        prepare_required_documents(case.id, trigger, people["officer"], today)
        case = engine.fire(case.id, trigger, case.version, data, actor, today=today)
    return Driven(case, today)


def next_onsite_form(organisation_id: int) -> str:
    return db.session.execute(select(OnsiteForm.number).where(
        OnsiteForm.organisation_id == organisation_id, OnsiteForm.status == "available")
        .order_by(OnsiteForm.number)).scalars().first() or ""


@unit_of_work
def prepare_required_documents(case_id: int, trigger: str, actor, on: date) -> None:
    """What an officer does before a step that needs documents issued or served (e.g. the hearing
    notice before the hearing): fill the draft's empty fields with the type's sample wording, issue it
    and record its direct service, dated `on`."""
    from datetime import datetime

    from caseflow.documents import services as documents
    case = db.session.get(Case, case_id)
    transition = engine.definition_for(case).find(case.state, trigger)
    if transition is None:
        return
    at = datetime.combine(on, datetime.min.time()).replace(hour=9)
    for key, status in transition.documents.requires:
        doc = documents.effective(case.id, key)
        if doc is None:
            doc = documents.open_draft(case.id, key) or documents.create_draft_in_transaction(case, key, actor,
                                                                                               quiet=True)
            sample = documents.catalogue().sample(key).get("fields", {})
            doc.data = {**sample, **{k: v for k, v in (doc.data or {}).items() if v not in (None, "", [])}}
            documents.issue_in_transaction(doc, actor, at=at, quiet=True)
        if status == "served" and doc.status != "served":
            documents.serve_in_transaction(doc, {"method": "direct", "served_on": on, "recipient": case.party.name},
                                           actor, at=at, quiet=True)


def path_to(state: str, definition, avoid=()) -> list[str]:
    """The shortest trigger sequence from the initial state to `state` (used to spread demo cases)."""
    from collections import deque
    prev = {definition.initial: None}
    queue = deque([definition.initial])
    while queue:
        current = queue.popleft()
        if current == state:
            break
        for t in definition.transitions_from(current):
            if t.dest and t.dest not in prev and t.trigger not in avoid:
                prev[t.dest] = (current, t.trigger)
                queue.append(t.dest)
    if state not in prev:
        raise KeyError(state)
    path, node = [], state
    while prev[node]:
        node, trigger = prev[node]
        path.append(trigger)
    return list(reversed(path))


@unit_of_work
def _create_world(password_hash: str) -> dict:
    orgs = {}
    for key, name, short, prefix, level, parent in ORGANISATIONS:
        org = Organisation(name=name, short_name=short, doc_prefix=prefix, level=level,
                           parent_id=orgs[parent].id if parent else None,
                           document_settings=demo_document_settings(key, name))
        db.session.add(org)
        db.session.flush()
        orgs[key] = org
    people = {}
    for username, name, org_key, roles, credential in USERS:
        user = User(username=username, name=name, password_hash=password_hash, organisation_id=orgs[org_key].id,
                    credential_no=credential, credential_valid_from=date(2023, 1, 1) if credential else None,
                    credential_valid_until=date(2028, 12, 31) if credential else None, active=True)
        user.role_rows = [UserRole(role=r) for r in roles]
        db.session.add(user)
        people[username] = user
    db.session.flush()
    for i, (kind, name, code, rep, address) in enumerate(PARTIES):
        org_key = "gl" if i == 3 else "fz"
        db.session.add(Party(organisation_id=orgs[org_key].id, kind=kind, name=name,
                             credit_code=code if kind != "insured" else None,
                             id_number=code if kind == "insured" else None, legal_representative=rep,
                             address=address, phone="0591-8888" + str(1000 + i)))
    head = people["head"]
    for year in (2025, 2026):  # pre-printed on-the-spot decision forms (行政处罚法 第五十二条)
        for n in range(1, 101):
            db.session.add(OnsiteForm(organisation_id=orgs["fz"].id, number=f"{ONSITE_FORM_PREFIX.format(year=year)}{n:04d}",
                                      batch=f"{year}年第一批", status="available", registered_by_id=head.id))
    from caseflow.audit import services as audit
    audit.record("DEMO_WORLD_CREATED", "载入演示数据：单位、用户、当事人、预定格式当场处罚决定书编号",
                 organisation_id=orgs["fz"].id)
    return people


def build_world(password: str = DEMO_PASSWORD, password_hash: str | None = None) -> dict:
    """Create the organisations, users and parties (once) and return the users by username."""
    _create_world(password_hash or hash_password(password))
    return people_by_username()


def people_by_username() -> dict:
    return {u.username: u for u in db.session.execute(select(User)).scalars()}


def parties() -> list[Party]:
    return list(db.session.execute(select(Party).order_by(Party.id)).scalars())


P = GENERAL_PENALTY_PATH
HEARING_PATH = P[:8] + ["request_hearing", "schedule_hearing", "hold_hearing", "submit_final_review",
                        "pass_final_review", "submit_collective_discussion", "record_collective_discussion",
                        "propose_decision", "approve_penalty_decision", "serve_decision", "issue_reminder",
                        "apply_court_enforcement", "propose_closing", "approve_closing"]
NOT_CONCLUDED = {"conclude_investigation": {"legal_review_required": False}}

# (path, form overrides): every state of the general procedure is reached by at least one demo case
DEMO_CASES = [
    ([], {}),
    (["propose_filing"], {}),
    (["propose_not_filing"], {}),
    (["propose_clue_transfer"], {}),
    (["propose_not_filing", "approve_not_filing"], {}),
    (["propose_clue_transfer", "approve_clue_transfer"], {}),
    (P[:2], {}),
    (P[:2] + ["extend_time_limit", "approve_preservation"], {}),
    (P[:2] + ["approve_preservation", "record_preservation_decision"], {}),
    (P[:2] + ["request_suspension"], {}),
    (P[:2] + ["request_suspension", "approve_suspension"], {}),
    (P[:2] + ["request_termination"], {}),
    (P[:2] + ["request_termination", "approve_termination"], {}),
    (P[:2] + ["request_withdrawal"], {}),
    (P[:2] + ["request_withdrawal", "approve_withdrawal", "propose_closing", "approve_closing"],
     {"propose_closing": {"ground": "terminated", "summary": "已撤销立案，申请结案。"}}),
    (P[:3], {}),
    (P[:4], {}),
    (P[:5], {}),
    (P[:6], {}),
    (P[:7], {}),
    (P[:8], {}),
    (P[:9], {}),
    (P[:10], {}),
    (P[:11], {}),
    (P[:12], {}),
    (P[:13], {}),
    (P[:14], {}),
    (P[:15], {}),
    (P, {}),
    (HEARING_PATH[:9], {}),
    (HEARING_PATH[:10], {}),
    (HEARING_PATH[:11], {}),
    (HEARING_PATH[:12], {}),
    (HEARING_PATH[:13], {}),
    (HEARING_PATH[:14], {}),
    (HEARING_PATH[:15], {}),
    (HEARING_PATH[:19], {}),
    (HEARING_PATH, {"propose_closing": {"ground": "court_accepted", "summary": "法院已受理强制执行申请。"}}),
    (P[:9] + ["propose_decision", "approve_no_penalty_decision", "serve_decision", "propose_closing",
              "approve_closing", "archive_case"],
     {"propose_decision": {"decision_kind": "no_penalty", "content": "初次违法且危害后果轻微并及时改正，不予行政处罚。"},
      "propose_closing": {"ground": "nothing_to_execute", "summary": "不予处罚，无需执行。"}}),
    (P[:2] + ["request_withdrawal", "approve_withdrawal"], {}),
    (P[:9] + ["propose_decision", "approve_no_penalty_decision"],
     {"propose_decision": {"decision_kind": "no_penalty", "content": "初次违法且危害后果轻微并及时改正，不予行政处罚。"}}),
    (P[:9] + ["propose_decision", "approve_not_established"],
     {"propose_decision": {"decision_kind": "not_established", "content": "现有证据不足以证明违法事实。"}}),
    (P[:3] + ["propose_decision", "approve_police_transfer"],
     {**NOT_CONCLUDED, "propose_decision": {"decision_kind": "transfer_police", "content": "涉嫌诈骗犯罪，移送公安机关。",
                                            "receiving_authority": "福州市公安局"}}),
    (HEARING_PATH[:20], {}),
    (P[:3] + ["propose_decision", "approve_police_transfer", "hand_over_transfer"],
     {**NOT_CONCLUDED, "propose_decision": {"decision_kind": "transfer_police", "content": "涉嫌诈骗犯罪，移送公安机关。",
                                            "receiving_authority": "福州市公安局"}}),
]


def load_demo(today: date | None = None) -> int:
    """Load the demo data once; return the number of cases created (0 when already loaded).

    Each case's simulated history ends a few days before `today`, so open deadlines look current."""
    from caseflow.timeutil import today as real_today
    if db.session.execute(select(User).where(User.username == "officer")).first():
        return 0
    today = today or real_today()
    people = build_world()
    party_list = [p for p in parties() if p.organisation_id == people["officer"].organisation_id]
    created = 0
    with click.progressbar(DEMO_CASES, label="生成演示案件") as items:
        for i, (path, overrides) in enumerate(items):
            party = party_list[i % len(party_list)]
            received = today - timedelta(days=sum(WAIT.get(t, 1) for t in path) + 2 + i % 5)
            case = cases.register_clue(
                people["officer"], source=["complaint", "data_screening", "inspection", "flight_inspection"][i % 4],
                received_on=received, summary=f"关于{party.name}涉嫌违规使用医保基金的线索。", party_id=party.id,
                on=received, reporter={"name": "王某", "phone": "13800000000", "real_name": True} if i % 4 == 0 else None)
            drive_with_evidence(case, path, received, people, overrides)
            created += 1
    return created + _demo_simplified(people, today)


def _demo_simplified(people, today) -> int:
    party = next(p for p in parties() if p.kind == "pharmacy")
    start = today - timedelta(days=20)
    paths = (["decide_on_spot", "hand_over_decision"],
             ["decide_on_spot", "hand_over_decision", "record_with_agency", "record_payment", "archive_case"])
    for path in paths:
        case = cases.register_onsite_case(people["officer"], party_id=party.id, summary="现场检查发现未按规定公示医保标识。")
        drive_with_evidence(case, path, start, people)
    return len(paths)


# the acts after which a case is closed: demo evidence is registered before them, while the case is open
CLOSING_TRIGGERS = ("propose_closing", "record_payment")


def drive_with_evidence(case: Case, triggers, start: date, people: dict, overrides: dict | None = None) -> Driven:
    """`drive`, registering demo evidence with files before the case is closed when the path archives it
    (archived demo cases then show evidence in their case file and BagIt package)."""
    triggers = list(triggers)
    if "archive_case" not in triggers:
        return drive(case, triggers, start, people, overrides)
    if "conclude_investigation" in triggers:  # the interview and the inspection happen during the investigation
        at = triggers.index("conclude_investigation")
        driven = drive(case, triggers[:at], start, people, overrides)
        add_demo_records(driven.case.id, people, driven.today + 5 * DAY)
        case, start, triggers = db.session.get(Case, driven.case.id), driven.today, triggers[at:]
    cut = next(i for i, t in enumerate(triggers) if t in CLOSING_TRIGGERS)
    driven = drive(case, triggers[:cut], start, people, overrides)
    add_demo_evidence(driven.case.id, people, driven.today)
    return drive(db.session.get(Case, driven.case.id), triggers[cut:], driven.today, people, overrides)


def demo_files() -> dict:
    """Small real files of the kinds officers upload: a scanned ledger page (PDF), a photo (PNG) and a
    settlement extract (CSV), generated here so the demo needs no binary fixtures."""
    import io

    import segno
    from PIL import Image, ImageDraw
    page = Image.new("RGB", (595, 842), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((40, 40, 555, 802), outline="black", width=2)
    for y in range(90, 780, 28):
        draw.line((60, y, 535, y), fill="gray")
    scan = io.BytesIO()
    page.save(scan, "PDF", resolution=72)
    photo = io.BytesIO()
    segno.make("现场检查照片：药品货架与医保标识", micro=False).save(photo, kind="png", scale=6, border=4)
    rows = ["结算日期,参保人,药品名称,数量,医保结算金额（元）"]
    rows += [f"2025-01-{d:02d},参保人{d:02d},阿莫西林胶囊（串换为日用品）,2,{36.5 * d:.2f}" for d in range(1, 13)]
    return {"ledger": scan.getvalue(), "photo": photo.getvalue(), "settlement": ("\n".join(rows) + "\n").encode()}


def add_demo_evidence(case_id: int, people: dict, on: date) -> list:
    """Register three items through the evidence services (as the lead officer, collected by the two case
    officers on `on`): a ledger scan, a site photo and a patient-level settlement extract."""
    import io
    from datetime import datetime

    from caseflow.evidence import services as evidence
    files = demo_files()
    collected = datetime.combine(on, datetime.min.time()).replace(hour=10)
    officer = people["officer"]
    base = {"collected_at": collected.isoformat(timespec="minutes"), "collected_place": "当事人经营场所",
            "collected_by": [people["officer"].id, people["officer2"].id], "violations": ["735-38"]}
    items = [
        ({"evidence_type": "documentary", "title": "药品进销存台账（2025年1月）", "obtained_by": "onsite_inspection",
          "source": "当事人提供", "description": "台账显示阿莫西林胶囊进货量与医保结算量不符。"},
         "进销存台账.pdf", files["ledger"]),
        ({"evidence_type": "inspection_record", "title": "现场检查照片", "obtained_by": "onsite_inspection",
          "source": "执法人员现场拍摄", "description": "货架陈列日用品，无对应药品库存。"},
         "现场照片.png", files["photo"]),
        ({"evidence_type": "electronic", "title": "参保人结算明细", "obtained_by": "data_analysis",
          "source": "医保信息平台导出", "description": "涉及参保人个人信息的结算明细 12 条。", "patient_level": True},
         "结算明细.csv", files["settlement"]),
    ]
    created = []
    for form, name, content in items:
        item = evidence.register_evidence(case_id, {**base, **form}, officer)
        evidence.add_attachment(item.id, io.BytesIO(content), name, officer)
        created.append(item)
    return created


def add_demo_records(case_id: int, people: dict, on: date) -> None:
    """A completed 现场检查笔录 (morning) and 询问笔录 (afternoon) of the party's legal representative on `on`,
    through the records services: each issues its document and becomes evidence."""
    from caseflow.records import services as records
    case = db.session.get(Case, case_id)
    party, officers = case.party, [people["officer"].id, people["officer2"].id]
    speaker = party.legal_representative or party.name
    common = {"officers": officers, "recorder_id": people["officer2"].id, "credentials_shown": True,
              "notice_answer": "听清楚了，不申请回避。", "pages": [{"signed": True}, {"signed": True}]}
    inspection = records.open_record(case_id, {
        **common, "kind": "inspection", "place": party.address or "当事人经营场所",
        "started_at": f"{on.isoformat()}T09:30", "ended_at": f"{on.isoformat()}T11:40",
        "present": {"name": speaker, "position": "法定代表人", "phone": party.phone or "0591-87654321"},
        "scope": "医保结算系统、药品进销存台账、货架陈列。",
        "findings": "医保结算系统中1月份阿莫西林胶囊结算 412 盒，进销存台账同期进货 60 盒；货架陈列日用品若干。"},
        people["officer"])
    records.complete(inspection.id, inspection.version, people["officer"])
    inquiry = records.open_record(case_id, {
        **common, "kind": "inquiry", "place": "福州市医疗保障局三楼询问室",
        "started_at": f"{on.isoformat()}T14:30", "ended_at": f"{on.isoformat()}T16:10",
        "interviewee": {"name": speaker, "sex": "男", "id_number": "350102197803152316",  # a fictitious, well-formed number
                        "employer": f"{party.name}　法定代表人",
                        "phone": party.phone or "13800138000", "address": party.address or "福州市鼓楼区",
                        "relationship": "当事人的法定代表人", "speaks_for_party": True},
        "qa": [{"q": "参保人员用医保卡购买日用品时，你方是如何结算的？", "a": "按商品金额录成目录内药品刷卡结算。"},
               {"q": "这样操作从什么时候开始，涉及金额多少？", "a": "从去年十二月开始，大约三万八千元。"},
               {"q": "你对以上情况还有什么补充？", "a": "没有了，我们愿意退回全部款项。"}]},
        people["officer"])
    records.complete(inquiry.id, inquiry.version, people["officer"])
