"""organisations.rules_profile: the jurisdiction profile whose thresholds and benchmarks apply

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.add_column(sa.Column("rules_profile", sa.String(length=20), nullable=False, server_default="national"))


def downgrade():
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.drop_column("rules_profile")
