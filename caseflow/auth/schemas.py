"""Marshmallow schemas of users, organisations and API tokens."""
from marshmallow import fields, validate

from caseflow.auth.roles import ROLE_LABELS
from caseflow.schemas import BaseSchema, text


class TokenRequestSchema(BaseSchema):
    username = text(40, required=True, label="用户名")
    password = fields.String(required=True, validate=validate.Length(min=1, max=200, error="此项为必填项"),
                             metadata={"label": "密码"})


class TokenSchema(BaseSchema):
    token = fields.String()
    user = fields.Nested(lambda: UserSchema())


class OrganisationBriefSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    short_name = fields.String()
    level = fields.String()
    level_label = fields.String()


class UserBriefSchema(BaseSchema):
    """A user as named on a case (officer, approver): no login name, no account data."""
    id = fields.Integer()
    name = fields.String()


class UserSchema(BaseSchema):
    """The authenticated user (GET /me, token issue)."""
    id = fields.Integer()
    username = fields.String()
    name = fields.String()
    roles = fields.Method("_roles")
    organisation = fields.Nested(OrganisationBriefSchema)
    credential_no = fields.String(allow_none=True)
    credential_valid_until = fields.Date(allow_none=True)

    def _roles(self, user):
        return [{"role": r, "label": ROLE_LABELS[r]} for r in sorted(user.roles)]
