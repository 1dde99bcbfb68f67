"""Writes on cases outside the workflow's transitions: registering clues and on-site cases, recusals,
assigning further officers. Each is one transaction with its audit event."""
from datetime import date

from sqlalchemy import select

from caseflow.audit import services as audit
from caseflow.auth.models import User
from caseflow.auth.roles import HEAD, OFFICER, PRINCIPAL_HEAD
from caseflow.cases.access import can_act_on, can_see_reporter, can_view
from caseflow.cases.models import Case, CaseOfficer, Recusal
from caseflow.clues.models import CLUE_SOURCES, Clue, ReporterIdentity
from caseflow.db import unit_of_work
from caseflow.deadlines import services as deadlines
from caseflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caseflow.extensions import db
from caseflow.parties.models import Party
from caseflow.search.indexing import refresh_case
from caseflow.timeutil import now_local, today


def touch(case) -> None:
    """Count an act on the case: its version moves on by one, so forms showing the old version become stale."""
    case.version += 1
    case.updated_at = now_local().replace(tzinfo=None)


def _party_for(actor, party_id) -> Party:
    party = db.session.get(Party, party_id) if party_id else None
    if party is None or party.organisation_id != actor.organisation_id:
        raise ValidationFailed("当事人不存在", {"party_id": "请选择本单位登记的当事人"})
    return party


REPORTER_LIMITS = {"name": ("举报人姓名", 40), "phone": ("联系电话", 30), "address": ("地址", 200),
                   "statement": ("举报内容", 4000)}


def _reporter_errors(reporter: dict) -> dict:
    from caseflow.parties.validators import InvalidIdentifier, validate_id_number
    errors = {}
    if not (reporter.get("name") or "").strip():
        errors["reporter.name"] = "请填写举报人姓名（匿名举报请不填写举报人信息）"
    for key, (label, limit) in REPORTER_LIMITS.items():
        if len(reporter.get(key) or "") > limit:
            errors[f"reporter.{key}"] = f"{label}不能超过 {limit} 字"
    if (reporter.get("id_number") or "").strip():
        try:
            reporter["id_number"] = validate_id_number(reporter["id_number"])
        except InvalidIdentifier as exc:
            errors["reporter.id_number"] = str(exc)
    return errors


@unit_of_work
def register_clue(actor, *, source: str, received_on: date, summary: str, party_id: int,
                  cause: str | None = None, reporter: dict | None = None, on: date | None = None) -> Case:
    """Register a clue (线索) and open its case in the general procedure; T1 starts on receipt."""
    if not actor.has_role(OFFICER):
        raise Forbidden("只有执法人员可以登记线索")
    errors = {}
    if source not in CLUE_SOURCES:
        errors["source"] = "线索来源无效"
    if received_on is None:
        errors["received_on"] = "请填写收到日期"
    elif received_on > (on or today()):
        errors["received_on"] = "收到日期不能晚于今天"
    if not summary or not summary.strip():
        errors["summary"] = "请填写线索摘要"
    elif len(summary) > 4000:
        errors["summary"] = "线索摘要不能超过 4000 字"
    if cause and len(cause.strip()) > 100:
        errors["cause"] = "初步案由不能超过 100 字"
    if reporter is not None:
        errors.update(_reporter_errors(reporter))
    if errors:
        raise ValidationFailed("线索登记填写有误：" + "；".join(errors.values()), errors)
    party = _party_for(actor, party_id)
    clue = Clue(organisation_id=actor.organisation_id, source=source, received_on=received_on,
                summary=summary.strip(), party_id=party.id, registered_by_id=actor.id)
    db.session.add(clue)
    db.session.flush()
    if reporter:
        db.session.add(ReporterIdentity(clue_id=clue.id, **{k: reporter.get(k) for k in
                                                            ("name", "id_number", "phone", "address", "statement")},
                                        real_name=bool(reporter.get("real_name", True))))
    cause = (cause or "").strip() or "待定"
    case = Case(organisation_id=actor.organisation_id, workflow="general_procedure", state="clue_registered",
                title=f"{party.name}（线索）", cause=cause, clue_id=clue.id, party_id=party.id,
                created_by_id=actor.id, facts={})
    db.session.add(case)
    db.session.flush()
    deadlines.schedule(case, "T1", received_on)
    refresh_case(case)
    audit.record("CLUE_REGISTERED", f"{actor.name}登记线索（{CLUE_SOURCES[source]}）：{party.name}",
                 actor=actor, case=case, after={"state": case.state, "source": source,
                                                "received_on": received_on.isoformat(), "party_id": party.id,
                                                "has_reporter": bool(reporter)})
    return case


@unit_of_work
def register_onsite_case(actor, *, party_id: int, summary: str) -> Case:
    """Open a simplified-procedure (简易程序) case for a violation found on the spot."""
    if not actor.has_role(OFFICER):
        raise Forbidden("只有执法人员可以登记现场案件")
    if not summary or not summary.strip() or len(summary) > 2000:
        raise ValidationFailed("请填写现场发现的情况（不超过 2000 字）", {"summary": "必填"})
    party = _party_for(actor, party_id)
    case = Case(organisation_id=actor.organisation_id, workflow="simplified_procedure",
                state="onsite_registered", title=f"{party.name}（现场）", cause="待定", party_id=party.id,
                created_by_id=actor.id, facts={"onsite_summary": summary.strip()})
    db.session.add(case)
    db.session.flush()
    refresh_case(case)
    audit.record("ONSITE_CASE_REGISTERED", f"{actor.name}登记现场发现（简易程序）：{party.name}", actor=actor,
                 case=case, after={"state": case.state, "party_id": party.id})
    return case


def get_case(actor, case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not can_view(actor, case):
        raise NotFound("案件不存在或您无权查看")
    return case


def _locked_case(actor, case_id, version) -> Case:
    from caseflow.workflow.engine import lock_case
    case = lock_case(case_id)
    if not can_view(actor, case):
        raise NotFound("案件不存在或您无权查看")
    if not can_act_on(actor, case):
        raise Forbidden("您不能办理本单位以外的案件")
    if case.state == "archived":
        raise Conflict("案件已归档，卷宗不得再作任何改动")
    if version is not None and int(version) != case.version:
        raise Conflict("该案件已被他人更新，请刷新后重试", {"current_version": case.version})
    return case


@unit_of_work
def file_recusal(actor, case_id: int, *, officer_id: int, kind: str, reason: str, applicant: str | None = None,
                 version=None) -> Recusal:
    """Record a recusal declaration (by the officer), a party's request, or a head's order (行政处罚法 Art. 43).
    The investigation continues meanwhile."""
    case = _locked_case(actor, case_id, version)
    errors = {}
    if kind not in ("declaration", "request", "order"):
        errors["kind"] = "回避类型无效"
    if not reason or not reason.strip() or len(reason) > 2000:
        errors["reason"] = "请填写回避事由（不超过 2000 字）"
    assigned = next((o for o in case.officers if o.user_id == officer_id and o.active), None)
    if assigned is None:
        errors["officer_id"] = "该人员不是本案在办的承办人员"
    if kind == "declaration" and officer_id != actor.id:
        errors["officer_id"] = "自行回避只能由本人提出"
    if kind == "order" and not actor.has_role(HEAD):
        errors["kind"] = "只有负责人可以指令回避"
    if kind == "request" and not (applicant or "").strip():
        errors["applicant"] = "请填写申请人（当事人或其代理人）"
    if errors:
        raise ValidationFailed("回避申请填写有误：" + "；".join(errors.values()), errors)
    if any(r.officer_id == officer_id and r.status == "pending" for r in case.recusals):
        raise Conflict("该人员已有待决定的回避申请")
    recusal = Recusal(case_id=case.id, officer_id=officer_id, kind=kind, reason=reason.strip(),
                      applicant=(applicant or actor.name).strip(), recorded_by_id=actor.id)
    case.recusals.append(recusal)
    touch(case)  # a recusal changes who may act: stale forms must be refreshed
    db.session.flush()
    audit.record("RECUSAL_FILED", f"{actor.name}登记回避（{recusal.kind_label}）：{assigned.user.name}",
                 actor=actor, case=case, after={"recusal_id": recusal.id, "officer_id": officer_id, "kind": kind},
                 reason=reason)
    return recusal


@unit_of_work
def decide_recusal(actor, recusal_id: int, *, granted: bool, opinion: str, version=None) -> Recusal:
    """A head decides (行政处罚法 Art. 43; a head's own recusal is not decided by that head)."""
    recusal = db.session.get(Recusal, recusal_id)
    if recusal is None:
        raise NotFound("回避申请不存在")
    case = _locked_case(actor, recusal.case_id, version)
    if not actor.has_role(HEAD):
        raise Forbidden("回避由负责人决定")
    if recusal.officer_id == actor.id:
        raise Forbidden("本人的回避不能由本人决定")
    if recusal.officer.has_role(HEAD) and not actor.has_role(PRINCIPAL_HEAD):
        # 行政处罚法 第四十三条; spec §5.2: a head's recusal is decided by the principal head
        raise Forbidden("负责人的回避由主要负责人决定")
    if recusal.status != "pending":
        raise Conflict("该回避申请已经决定")
    if not opinion or not opinion.strip():
        raise ValidationFailed("请填写决定意见", {"opinion": "必填"})
    recusal.status = "granted" if granted else "rejected"
    recusal.decided_by_id, recusal.decided_at = actor.id, now_local().replace(tzinfo=None)
    recusal.decision_opinion = opinion.strip()
    from caseflow.cases.models import Approval
    db.session.add(Approval(case_id=case.id, kind="recusal", form_title="回避决定书", approver_id=actor.id,
                            role=HEAD, decision="agree" if granted else "disagree", opinion=opinion.strip(),
                            decided_at=recusal.decided_at,
                            form={"officer": recusal.officer.name, "applicant": recusal.applicant,
                                  "reason": recusal.reason, "granted": granted}))
    if granted:
        for o in case.officers:
            if o.user_id == recusal.officer_id and o.active:
                o.active, o.removed_on, o.removed_reason = False, today(), "准予回避"
    touch(case)
    db.session.flush()
    refresh_case(case)
    audit.record("RECUSAL_DECIDED", f"{actor.name}决定{'准予' if granted else '驳回'}{recusal.officer.name}的回避",
                 actor=actor, case=case, after={"recusal_id": recusal.id, "status": recusal.status},
                 reason=opinion)
    return recusal


@unit_of_work
def assign_officer(actor, case_id: int, *, user_id: int, version=None) -> CaseOfficer:
    """A head adds an officer to a case (e.g. after a recusal left fewer than two)."""
    case = _locked_case(actor, case_id, version)
    if not actor.has_role(HEAD):
        raise Forbidden("只有负责人可以增派承办人员")
    user = db.session.get(User, user_id)
    if user is None or user.organisation_id != case.organisation_id or not user.active or not user.has_role(OFFICER):
        raise ValidationFailed("请选择本单位在岗执法人员", {"user_id": "无效"})
    if not user.credential_valid_on(today()):
        raise ValidationFailed(f"{user.name} 的执法证今天无效", {"user_id": "执法证无效"})
    if any(r.officer_id == user_id and r.status == "granted" for r in case.recusals):
        raise ValidationFailed(f"{user.name} 已回避本案", {"user_id": "已回避"})
    existing = next((o for o in case.officers if o.user_id == user_id), None)
    if existing and existing.active:
        raise Conflict(f"{user.name} 已是本案承办人员")
    if existing:
        existing.active, existing.removed_on, existing.removed_reason = True, None, None
        officer = existing
    else:
        officer = CaseOfficer(case_id=case.id, user_id=user_id, assigned_on=today(), user=user)
        case.officers.append(officer)
    touch(case)
    db.session.flush()
    refresh_case(case)
    audit.record("OFFICER_ASSIGNED", f"{actor.name}增派承办人员 {user.name}", actor=actor, case=case,
                 after={"user_id": user_id})
    return officer


@unit_of_work
def view_reporter(actor, case_id: int) -> ReporterIdentity | None:
    """Return the reporter's identity to those allowed to see it, and audit the view (spec §8)."""
    case = get_case(actor, case_id)
    if not can_see_reporter(actor, case):
        raise Forbidden("举报人信息保密，您无权查看")
    reporter = db.session.execute(
        select(ReporterIdentity).where(ReporterIdentity.clue_id == case.clue_id)).scalar_one_or_none() \
        if case.clue_id else None
    if reporter is not None:
        audit.record("REPORTER_VIEWED", f"{actor.name}查看了举报人信息", actor=actor, case=case)
    return reporter
