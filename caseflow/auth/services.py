"""Passwords, logins with throttling, API tokens, and user administration."""
import hashlib
import secrets
from datetime import date, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select

from caseflow.audit import services as audit
from caseflow.auth.models import ORG_LEVELS, Organisation, User, UserRole
from caseflow.auth.roles import ADMIN, ALL_ROLES, OFFICER, ROLE_LABELS
from caseflow.db import unit_of_work
from caseflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caseflow.extensions import db
from caseflow.timeutil import now_local

_hasher = PasswordHasher()
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def load_user(user_id: str):
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def _naive_now():
    return now_local().replace(tzinfo=None)


@unit_of_work
def authenticate(username: str, password: str) -> User:
    """Check a login; lock the account for a while after repeated failures (every attempt is audited)."""
    user = db.session.execute(select(User).where(User.username == (username or "").strip())).scalar_one_or_none()
    if user is not None and user.locked_until and user.locked_until > _naive_now():
        minutes = int((user.locked_until - _naive_now()).total_seconds() // 60) + 1
        raise Forbidden(f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试")
    ok = False
    if user is not None and user.active:
        try:
            ok = _hasher.verify(user.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            ok = False
    if not ok:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
                user.locked_until = _naive_now() + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
                user.failed_logins = 0
            audit.record("LOGIN_FAILED", f"用户 {user.username} 登录失败", actor=user)
            db.session.commit()
        raise ValidationFailed("用户名或密码错误", {"password": "用户名或密码错误"})
    user.failed_logins, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record("LOGIN", f"{user.name}登录", actor=user)
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(token: str) -> User | None:
    if not token:
        return None
    user = db.session.execute(select(User).where(User.api_token_hash == _token_digest(token))).scalar_one_or_none()
    return user if user is not None and user.active else None


@unit_of_work
def issue_token(actor, user_id: int) -> str:
    """Create a new API token for a user (the old one stops working); only its hash is stored."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在")
    if actor is not None and actor.id != user.id and not actor.has_role(ADMIN):
        raise Forbidden("只能为自己或由系统管理员生成令牌")
    token = secrets.token_urlsafe(32)
    user.api_token_hash = _token_digest(token)
    audit.record("API_TOKEN_ISSUED", f"为 {user.name} 生成 API 令牌", actor=actor or user)
    return token


def _check_user_fields(data: dict, creating: bool) -> dict:
    errors = {}
    username = (data.get("username") or "").strip()
    if creating and not (3 <= len(username) <= 40 and username.replace("_", "").replace(".", "").isalnum()):
        errors["username"] = "用户名须为 3–40 个字母、数字、下划线或点"
    name = (data.get("name") or "").strip()
    if not name or len(name) > 40:
        errors["name"] = "请填写姓名（不超过 40 字）"
    roles = set(data.get("roles") or [])
    if not roles or not roles <= set(ALL_ROLES):
        errors["roles"] = "请至少选择一个有效角色"
    password = data.get("password") or ""
    if (creating or password) and len(password) < MIN_PASSWORD:
        errors["password"] = f"密码至少 {MIN_PASSWORD} 位"
    if OFFICER in roles:
        if not (data.get("credential_no") or "").strip():
            errors["credential_no"] = "执法人员须填写执法证号"
        if not isinstance(data.get("credential_valid_until"), date):
            errors["credential_valid_until"] = "执法人员须填写执法证有效期"
    if isinstance(data.get("credential_valid_from"), date) and isinstance(data.get("credential_valid_until"), date) \
            and data["credential_valid_from"] > data["credential_valid_until"]:
        errors["credential_valid_until"] = "有效期截止日不能早于起始日"
    if errors:
        raise ValidationFailed("用户信息填写有误：" + "；".join(errors.values()), errors)
    return errors


@unit_of_work
def create_user(actor, data: dict) -> User:
    if actor is not None and not actor.has_role(ADMIN):
        raise Forbidden("只有系统管理员可以管理用户")
    _check_user_fields(data, creating=True)
    if db.session.execute(select(User).where(User.username == data["username"].strip())).first():
        raise Conflict("用户名已存在", {"username": "已存在"})
    if data.get("credential_no") and db.session.execute(
            select(User).where(User.credential_no == data["credential_no"].strip())).first():
        raise Conflict("执法证号已被其他用户使用", {"credential_no": "重复"})
    if db.session.get(Organisation, data.get("organisation_id")) is None:
        raise ValidationFailed("所属单位不存在", {"organisation_id": "无效"})
    user = User(username=data["username"].strip(), name=data["name"].strip(),
                password_hash=hash_password(data["password"]), organisation_id=data["organisation_id"],
                credential_no=(data.get("credential_no") or "").strip() or None,
                credential_valid_from=data.get("credential_valid_from"),
                credential_valid_until=data.get("credential_valid_until"), active=True)
    user.role_rows = [UserRole(role=r) for r in sorted(set(data["roles"]))]
    db.session.add(user)
    db.session.flush()
    audit.record("USER_CREATED", f"新建用户 {user.name}（{'、'.join(ROLE_LABELS[r] for r in sorted(data['roles']))}）",
                 actor=actor or user, after={"user_id": user.id, "roles": sorted(data["roles"])})
    return user


def _user_for_admin(actor, user_id: int) -> User:
    """The user an administrator is about to change (only administrators manage users)."""
    if not actor.has_role(ADMIN):
        raise Forbidden("只有系统管理员可以管理用户")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在")
    return user


@unit_of_work
def update_user(actor, user_id: int, data: dict) -> User:
    user = _user_for_admin(actor, user_id)
    _check_user_fields(data, creating=False)
    before = {"name": user.name, "roles": sorted(user.roles), "active": user.active,
              "credential_no": user.credential_no}
    if data.get("active") is False and user.id == actor.id:
        raise ValidationFailed("不能停用自己的账号", {"active": "不能停用自己"})
    user.name = data["name"].strip()
    user.credential_no = (data.get("credential_no") or "").strip() or None
    user.credential_valid_from = data.get("credential_valid_from")
    user.credential_valid_until = data.get("credential_valid_until")
    user.active = bool(data.get("active", True))
    if data.get("organisation_id"):
        user.organisation_id = data["organisation_id"]
    wanted = set(data["roles"])
    user.role_rows = [r for r in user.role_rows if r.role in wanted] + \
        [UserRole(role=r) for r in sorted(wanted - {r.role for r in user.role_rows})]
    if data.get("password"):
        user.password_hash = hash_password(data["password"])
    db.session.flush()
    audit.record("USER_UPDATED", f"修改用户 {user.name}", actor=actor, before=before,
                 after={"name": user.name, "roles": sorted(wanted), "active": user.active,
                        "credential_no": user.credential_no})
    return user


@unit_of_work
def save_organisation(actor, data: dict, organisation_id: int | None = None) -> Organisation:
    if actor is not None and not actor.has_role(ADMIN):
        raise Forbidden("只有系统管理员可以管理单位")
    errors = {}
    for key, label, limit in (("name", "单位名称", 100), ("short_name", "简称", 30), ("doc_prefix", "文号前缀", 20)):
        value = (data.get(key) or "").strip()
        if not value or len(value) > limit:
            errors[key] = f"请填写{label}（不超过 {limit} 字）"
    if data.get("level") not in ORG_LEVELS:
        errors["level"] = "层级无效"
    parent = db.session.get(Organisation, data["parent_id"]) if data.get("parent_id") else None
    order = list(ORG_LEVELS)
    if data.get("level") in ORG_LEVELS:
        if data["level"] == "province" and parent is not None:
            errors["parent_id"] = "省级单位没有上级"
        if data["level"] != "province" and (parent is None or order.index(parent.level) != order.index(data["level"]) - 1):
            errors["parent_id"] = "上级单位须为上一层级（省 → 市 → 县）"
    pattern = (data.get("case_number_pattern") or "{prefix}医保立〔{year}〕{n}号").strip()
    try:
        pattern.format(prefix="X", year=2025, n=1)
        if "{n}" not in pattern or "{year}" not in pattern:
            raise KeyError
    except (KeyError, IndexError, ValueError):
        errors["case_number_pattern"] = "案号格式须包含 {year} 和 {n}，可用 {prefix}"
    from caseflow.rules.profiles import profiles
    profile = (data.get("rules_profile") or "national").strip()
    if profile not in profiles():
        errors["rules_profile"] = "适用的裁量规则配置不存在"
    from caseflow.documents.context import ORG_SETTINGS
    settings = data.get("document_settings")
    if settings is not None:
        settings = {k: (settings.get(k) or "").strip() for k in ORG_SETTINGS}
        for k, v in settings.items():
            if len(v) > 200:
                errors[f"doc_{k}"] = f"{ORG_SETTINGS[k]}不超过 200 字"
    if errors:
        raise ValidationFailed("单位信息填写有误：" + "；".join(errors.values()), errors)
    org = db.session.get(Organisation, organisation_id) if organisation_id else Organisation()
    if org is None:
        raise NotFound("单位不存在")
    if db.session.execute(select(Organisation).where(Organisation.name == data["name"].strip(),
                                                     Organisation.id != (organisation_id or 0))).first():
        raise Conflict("单位名称已存在", {"name": "已存在"})
    org.name, org.short_name = data["name"].strip(), data["short_name"].strip()
    org.doc_prefix, org.level = data["doc_prefix"].strip(), data["level"]
    org.parent_id = parent.id if parent else None
    org.case_number_pattern = pattern
    org.rules_profile = profile
    if settings is not None:  # the numbering patterns per type are kept
        org.document_settings = {**(org.document_settings or {}), **settings}
    elif org.document_settings is None:
        org.document_settings = {}
    db.session.add(org)
    db.session.flush()
    audit.record("ORGANISATION_SAVED", f"保存单位 {org.name}", actor=actor, organisation_id=org.id,
                 after={"name": org.name, "level": org.level, "doc_prefix": org.doc_prefix,
                        "rules_profile": org.rules_profile})
    return org


@unit_of_work
def deactivate_user(actor, user_id: int, reason: str) -> User:
    """Users are deactivated, never deleted: their acts stay attributable in the audit trail."""
    user = _user_for_admin(actor, user_id)
    if user.id == actor.id:
        raise ValidationFailed("不能停用自己的账号", {"active": "不能停用自己"})
    if not (reason or "").strip() or len(reason) > 200:
        raise ValidationFailed("请填写停用原因（不超过 200 字）", {"reason": "必填"})
    if not user.active:
        raise Conflict("该用户已停用")
    user.active = False
    user.api_token_hash = None
    audit.record("USER_DEACTIVATED", f"停用用户 {user.name}", actor=actor, reason=reason.strip(),
                 before={"active": True}, after={"active": False, "user_id": user.id})
    return user
