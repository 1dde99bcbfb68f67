"""jurisdiction_profiles: profiles an administrator entered

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "jurisdiction_profiles",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_jurisdiction_profiles_updated_by_id_users")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_jurisdiction_profiles")),
    )


def downgrade():
    op.drop_table("jurisdiction_profiles")
