"""Authentication of API requests, and API tokens.

A request carries either `Authorization: Bearer <token>` (checked with user_for_token) or the session
cookie of a logged-in browser (Flask-Login). A header, when present, is the only credential looked at:
a wrong token is refused even if a session exists. Inactive users are refused like unknown ones.
"""
from flask import g, request
from flask_login import current_user

from caseflow.api import api_bp
from caseflow.api.common import created, load_json
from caseflow.auth import services as auth
from caseflow.auth.schemas import TokenRequestSchema, TokenSchema, UserSchema
from caseflow.errors import NotAuthenticated, ValidationFailed

PUBLIC_ENDPOINTS = {"api.issue_token"}


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("Authorization 请求头格式应为：Bearer <令牌>")
    return token.strip()


@api_bp.before_request
def authenticate_request():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    token = _bearer_token()
    if token is not None:
        user = auth.user_for_token(token)
        if user is None:
            raise NotAuthenticated("访问令牌无效、已被替换或账号已停用，请重新获取令牌")
    elif current_user.is_authenticated:
        user = current_user._get_current_object()
        if not user.is_active:
            raise NotAuthenticated("账号已停用")
    else:
        raise NotAuthenticated("请先登录或提供访问令牌（Authorization: Bearer <令牌>）")
    g.api_user = user


@api_bp.after_request
def _challenge(response):
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="caseflow"'
    return response


def current_actor():
    """The user the current API request acts as (set by authenticate_request)."""
    return g.api_user


@api_bp.post("/tokens")
def issue_token():
    """Exchange a username and password for a new API token; the user's previous token stops working.
    Failed attempts count towards the login lock-out like web logins."""
    data = load_json(TokenRequestSchema())
    try:
        user = auth.authenticate(data["username"], data["password"])
    except ValidationFailed as exc:
        raise NotAuthenticated(exc.message) from exc
    token = auth.issue_token(user, user.id)
    return created(TokenSchema().dump({"token": token, "user": user}))


@api_bp.get("/me")
def me():
    return UserSchema().dump(current_actor())
