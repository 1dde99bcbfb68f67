"""archive borrowing (借阅) requests and the access log of archived material; the log is append-only in
the database (issue 5)

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

STATUSES = ("pending", "approved", "rejected", "returned", "expired")
GRANTED = ("approved", "returned", "expired")
HARD_MAX_DAYS = 365
ACCESS_KINDS = ("document_pdf", "document_preview", "evidence_file", "case_file", "export")
VIA = ("web", "api", "cli")
BASES = ("archivist", "borrow")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table('borrow_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('requested_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('approved_days', sa.Integer(), nullable=True),
    sa.Column('approved_until', sa.DateTime(), nullable=True),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint(_in('status', STATUSES), name=op.f('ck_borrow_requests_status')),
    sa.CheckConstraint(f"requested_days >= 1 AND requested_days <= {HARD_MAX_DAYS}",
                       name=op.f('ck_borrow_requests_requested_days')),
    sa.CheckConstraint(f"approved_days IS NULL OR (approved_days >= 1 AND approved_days <= {HARD_MAX_DAYS})",
                       name=op.f('ck_borrow_requests_approved_days')),
    sa.CheckConstraint("(status = 'pending' AND decided_by_id IS NULL AND decided_at IS NULL) "
                       "OR (status <> 'pending' AND decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
                       name=op.f('ck_borrow_requests_decision')),
    sa.CheckConstraint("decided_by_id IS NULL OR decided_by_id <> requester_id",
                       name=op.f('ck_borrow_requests_not_own')),
    sa.CheckConstraint(f"({_in('status', GRANTED)} AND approved_days IS NOT NULL AND approved_until IS NOT NULL "
                       "AND approved_until > decided_at) OR (status IN ('pending', 'rejected') "
                       "AND approved_days IS NULL AND approved_until IS NULL)", name=op.f('ck_borrow_requests_grant')),
    sa.CheckConstraint("status <> 'rejected' OR decision_note IS NOT NULL",
                       name=op.f('ck_borrow_requests_rejection_note')),
    sa.CheckConstraint("(status = 'returned' AND returned_at IS NOT NULL) "
                       "OR (status <> 'returned' AND returned_at IS NULL)", name=op.f('ck_borrow_requests_returned')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_borrow_requests_case_id_cases')),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_borrow_requests_requester_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_borrow_requests_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_borrow_requests'))
    )
    with op.batch_alter_table('borrow_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_borrow_requests_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_borrow_requests_requester_id'), ['requester_id'], unique=False)

    op.create_table('archive_accesses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ref', sa.String(length=200), nullable=False),
    sa.Column('via', sa.String(length=3), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('basis', sa.String(length=10), nullable=True),
    sa.Column('borrow_request_id', sa.Integer(), nullable=True),
    sa.CheckConstraint(_in('kind', ACCESS_KINDS), name=op.f('ck_archive_accesses_kind')),
    sa.CheckConstraint(_in('via', VIA), name=op.f('ck_archive_accesses_via')),
    sa.CheckConstraint(f"basis IS NULL OR {_in('basis', BASES)}", name=op.f('ck_archive_accesses_basis')),
    sa.CheckConstraint("(granted AND basis IS NOT NULL) OR (NOT granted AND basis IS NULL)",
                       name=op.f('ck_archive_accesses_granted')),
    sa.CheckConstraint("(basis = 'borrow' AND borrow_request_id IS NOT NULL) "
                       "OR (COALESCE(basis, '') <> 'borrow' AND borrow_request_id IS NULL)",
                       name=op.f('ck_archive_accesses_borrow')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_archive_accesses_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_archive_accesses_user_id_users')),
    sa.ForeignKeyConstraint(['borrow_request_id'], ['borrow_requests.id'],
                            name=op.f('fk_archive_accesses_borrow_request_id_borrow_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_accesses'))
    )
    with op.batch_alter_table('archive_accesses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_accesses_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_archive_accesses_user_id'), ['user_id'], unique=False)

    _create_triggers()


def _create_triggers():
    """No UPDATE or DELETE of an access log row, on either backend."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION caseflow_refuse_archive_access_change() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION 'archive_accesses rows are append-only' USING ERRCODE = 'check_violation';
            END $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER archive_accesses_append_only BEFORE UPDATE OR DELETE ON archive_accesses
                      FOR EACH ROW EXECUTE FUNCTION caseflow_refuse_archive_access_change()""")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER archive_accesses_no_{action.lower()} BEFORE {action} ON archive_accesses
                           BEGIN SELECT RAISE(ABORT, 'archive_accesses rows are append-only'); END""")


def _drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS archive_accesses_append_only ON archive_accesses")
        op.execute("DROP FUNCTION IF EXISTS caseflow_refuse_archive_access_change()")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS archive_accesses_no_{action}")


def downgrade():
    _drop_triggers()
    with op.batch_alter_table('archive_accesses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_accesses_user_id'))
        batch_op.drop_index(batch_op.f('ix_archive_accesses_case_id'))
    op.drop_table('archive_accesses')
    with op.batch_alter_table('borrow_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_borrow_requests_requester_id'))
        batch_op.drop_index(batch_op.f('ix_borrow_requests_case_id'))
    op.drop_table('borrow_requests')
