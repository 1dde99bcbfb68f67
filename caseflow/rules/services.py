"""An administrator adds or edits a jurisdiction profile, validated, without code changes (issue 3)."""
from sqlalchemy import select

from caseflow.audit import services as audit
from caseflow.auth.roles import ADMIN
from caseflow.db import unit_of_work
from caseflow.errors import Forbidden, ValidationFailed
from caseflow.extensions import db
from caseflow.rules.models import JurisdictionProfile
from caseflow.rules.profiles import DEFAULT_PROFILE, profile_from_mapping, shipped_profiles

CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@unit_of_work
def save_profile(actor, data: dict) -> JurisdictionProfile:
    """Validate and store a profile. `national` (national law only) is the legal baseline and stays as shipped;
    any other code may be added, or a shipped one replaced (e.g. when a province publishes a new benchmark)."""
    if actor is None or not actor.has_role(ADMIN):
        raise Forbidden("只有系统管理员可以维护辖区裁量规则配置")
    if not isinstance(data, dict):
        raise ValidationFailed("辖区配置有误：应为对象", {"_schema": "辖区配置应为对象"})
    code = data.get("code")
    if not isinstance(code, str) or not (1 <= len(code) <= 20) or set(code) - CODE_CHARS:
        raise ValidationFailed("辖区代码应为 1–20 个字母、数字、连字符或下划线", {"code": "辖区代码无效"})
    if code == DEFAULT_PROFILE:
        raise ValidationFailed("national（仅适用国家法律法规）为法定基准配置，不能修改",
                               {"code": "national 不能修改"})
    others = {row.code: row.definition for row in db.session.execute(
        select(JurisdictionProfile).where(JurisdictionProfile.code != code)).scalars()}
    profile_from_mapping(data, known=others)  # raises ValidationFailed naming each bad field
    row = db.session.get(JurisdictionProfile, code)
    before = None if row is None else row.definition
    if row is None:
        row = JurisdictionProfile(code=code, definition=data, updated_by_id=actor.id)
        db.session.add(row)
    else:
        row.definition, row.updated_by_id = data, actor.id
    db.session.flush()
    action = "替换内置" if code in shipped_profiles() and before is None else ("修改" if before else "新增")
    audit.record("PROFILE_SAVED", f"{action}辖区裁量规则配置 {code}：{data.get('name', '')}", actor=actor,
                 before=before, after=data)
    return row
