"""deadlines.warning_level / warned_on: the warning the daily sweep last recorded

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("deadlines") as batch_op:
        batch_op.add_column(sa.Column("warning_level", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("warned_on", sa.Date(), nullable=True))
        batch_op.create_check_constraint("warning_level", "warning_level IS NULL OR warning_level IN ('due_soon', 'overdue')")


def downgrade():
    with op.batch_alter_table("deadlines") as batch_op:
        batch_op.drop_constraint("ck_deadlines_warning_level", type_="check")
        batch_op.drop_column("warned_on")
        batch_op.drop_column("warning_level")
