"""evidence of a case: items, their collectors, attachments (content-addressed files) and the chain of
custody; collectors, attachments and custody events are append-only in the database (issue 5)

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

EVIDENCE_TYPES = ("documentary", "physical", "audiovisual", "electronic", "testimony", "party_statement",
                  "expert_opinion", "inspection_record")
OBTAINED_BY = ("document_review", "onsite_inspection", "questioning", "data_analysis", "retrieval", "sampling")
CUSTODY_KINDS = ("collected", "received", "transferred", "preserved", "sealed", "returned")
APPEND_ONLY = ("evidence_collectors", "evidence_attachments", "evidence_custody_events")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table('evidence_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('evidence_type', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('obtained_by', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('collected_at', sa.DateTime(), nullable=False),
    sa.Column('collected_place', sa.String(length=200), nullable=False),
    sa.Column('violations', sa.JSON(), nullable=False),
    sa.Column('patient_level', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(_in('evidence_type', EVIDENCE_TYPES), name=op.f('ck_evidence_items_evidence_type')),
    sa.CheckConstraint(_in('obtained_by', OBTAINED_BY), name=op.f('ck_evidence_items_obtained_by')),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_evidence_items_seq')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_evidence_items_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evidence_items_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_items')),
    sa.UniqueConstraint('case_id', 'seq', name='uq_evidence_items_case_seq')
    )
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_items_case_id'), ['case_id'], unique=False)

    op.create_table('evidence_collectors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('credential_no', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_items.id'],
                            name=op.f('fk_evidence_collectors_evidence_id_evidence_items')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_evidence_collectors_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_collectors')),
    sa.UniqueConstraint('evidence_id', 'user_id', name='uq_evidence_collectors_evidence_user')
    )
    with op.batch_alter_table('evidence_collectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_collectors_evidence_id'), ['evidence_id'], unique=False)

    op.create_table('evidence_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('detected_type', sa.String(length=20), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_evidence_attachments_size')),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_evidence_attachments_sha256')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_items.id'],
                            name=op.f('fk_evidence_attachments_evidence_id_evidence_items')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                            name=op.f('fk_evidence_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_attachments')),
    sa.UniqueConstraint('evidence_id', 'sha256', name='uq_evidence_attachments_evidence_sha256')
    )
    with op.batch_alter_table('evidence_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_attachments_evidence_id'), ['evidence_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_attachments_sha256'), ['sha256'], unique=False)

    op.create_table('evidence_custody_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('counterparty', sa.String(length=100), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('deadline_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(_in('kind', CUSTODY_KINDS), name=op.f('ck_evidence_custody_events_kind')),
    sa.CheckConstraint("kind NOT IN ('transferred', 'returned') OR counterparty IS NOT NULL",
                       name=op.f('ck_evidence_custody_events_counterparty')),
    sa.CheckConstraint("kind <> 'preserved' OR deadline_id IS NOT NULL",
                       name=op.f('ck_evidence_custody_events_preserved_deadline')),
    sa.ForeignKeyConstraint(['deadline_id'], ['deadlines.id'],
                            name=op.f('fk_evidence_custody_events_deadline_id_deadlines')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_items.id'],
                            name=op.f('fk_evidence_custody_events_evidence_id_evidence_items')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                            name=op.f('fk_evidence_custody_events_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_custody_events')),
    )
    with op.batch_alter_table('evidence_custody_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_custody_events_evidence_id'), ['evidence_id'], unique=False)

    _create_triggers()


def _create_triggers():
    """No UPDATE or DELETE of a collector, an attachment or a custody event, on either backend."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION caseflow_refuse_evidence_log_change() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME USING ERRCODE = 'check_violation';
            END $$ LANGUAGE plpgsql""")
        for table in APPEND_ONLY:
            op.execute(f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION caseflow_refuse_evidence_log_change()""")
    else:
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"""CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table}
                               BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END""")


def _drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS caseflow_refuse_evidence_log_change()")
    else:
        for table in APPEND_ONLY:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")


def downgrade():
    _drop_triggers()
    with op.batch_alter_table('evidence_custody_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_custody_events_evidence_id'))
    op.drop_table('evidence_custody_events')
    with op.batch_alter_table('evidence_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_attachments_sha256'))
        batch_op.drop_index(batch_op.f('ix_evidence_attachments_evidence_id'))
    op.drop_table('evidence_attachments')
    with op.batch_alter_table('evidence_collectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_collectors_evidence_id'))
    op.drop_table('evidence_collectors')
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_items_case_id'))
    op.drop_table('evidence_items')
