"""structured investigation records (issue 5): 询问笔录 and 现场检查笔录 with their officers and linked media;
a completed record, its officers and its media are immutable in the database

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

RECORD_KINDS = ("inquiry", "inspection")
RECORD_STATUSES = ("open", "completed")
MEDIA_PURPOSES = ("recording", "index")
CHILDREN = ("record_officers", "record_media")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table('investigation_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('supplements_id', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('recorder_id', sa.Integer(), nullable=True),
    sa.Column('credentials_shown', sa.Boolean(), nullable=False),
    sa.Column('interviewee', sa.JSON(), nullable=True),
    sa.Column('present', sa.JSON(), nullable=True),
    sa.Column('witness', sa.String(length=200), nullable=True),
    sa.Column('others_present', sa.String(length=200), nullable=True),
    sa.Column('notice_text', sa.Text(), nullable=False),
    sa.Column('notice_basis', sa.String(length=200), nullable=False),
    sa.Column('notice_answer', sa.Text(), nullable=True),
    sa.Column('recusal_requested', sa.Boolean(), nullable=False),
    sa.Column('qa', sa.JSON(), nullable=False),
    sa.Column('corrections', sa.Text(), nullable=True),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('refusal_note', sa.Text(), nullable=True),
    sa.Column('pages', sa.JSON(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint(_in('kind', RECORD_KINDS), name=op.f('ck_investigation_records_kind')),
    sa.CheckConstraint(_in('status', RECORD_STATUSES), name=op.f('ck_investigation_records_status')),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_investigation_records_seq')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_investigation_records_version')),
    sa.CheckConstraint("status <> 'completed' OR (document_id IS NOT NULL AND evidence_id IS NOT NULL "
                       "AND completed_at IS NOT NULL AND completed_by_id IS NOT NULL)",
                       name=op.f('ck_investigation_records_completed_links')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_investigation_records_case_id_cases')),
    sa.ForeignKeyConstraint(['supplements_id'], ['investigation_records.id'],
                            name=op.f('fk_investigation_records_supplements_id_investigation_records')),
    sa.ForeignKeyConstraint(['recorder_id'], ['users.id'], name=op.f('fk_investigation_records_recorder_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                            name=op.f('fk_investigation_records_document_id_documents')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_items.id'],
                            name=op.f('fk_investigation_records_evidence_id_evidence_items')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_investigation_records_created_by_id_users')),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'],
                            name=op.f('fk_investigation_records_completed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investigation_records')),
    sa.UniqueConstraint('case_id', 'kind', 'seq', name='uq_investigation_records_case_kind_seq')
    )
    with op.batch_alter_table('investigation_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_investigation_records_case_id'), ['case_id'], unique=False)

    op.create_table('record_officers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('credential_no', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['record_id'], ['investigation_records.id'],
                            name=op.f('fk_record_officers_record_id_investigation_records')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_record_officers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_officers')),
    sa.UniqueConstraint('record_id', 'user_id', name='uq_record_officers_record_user')
    )
    with op.batch_alter_table('record_officers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_officers_record_id'), ['record_id'], unique=False)

    op.create_table('record_media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('content', sa.String(length=200), nullable=False),
    sa.Column('taken', sa.String(length=200), nullable=True),
    sa.CheckConstraint(_in('purpose', MEDIA_PURPOSES), name=op.f('ck_record_media_purpose')),
    sa.ForeignKeyConstraint(['record_id'], ['investigation_records.id'],
                            name=op.f('fk_record_media_record_id_investigation_records')),
    sa.ForeignKeyConstraint(['attachment_id'], ['evidence_attachments.id'],
                            name=op.f('fk_record_media_attachment_id_evidence_attachments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_media')),
    sa.UniqueConstraint('record_id', 'attachment_id', name='uq_record_media_record_attachment')
    )
    with op.batch_alter_table('record_media', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_media_record_id'), ['record_id'], unique=False)

    _create_triggers()


def _create_triggers():
    """A completed record is immutable: no UPDATE or DELETE of it, and no INSERT, UPDATE or DELETE of its
    officers or media rows, on either backend."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION caseflow_refuse_completed_record_change() RETURNS trigger AS $$
            BEGIN
              IF OLD.status = 'completed' THEN
                RAISE EXCEPTION 'completed investigation record % is immutable', OLD.id
                  USING ERRCODE = 'check_violation';
              END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER investigation_records_completed_immutable
                      BEFORE UPDATE OR DELETE ON investigation_records
                      FOR EACH ROW EXECUTE FUNCTION caseflow_refuse_completed_record_change()""")
        op.execute("""
            CREATE FUNCTION caseflow_refuse_completed_record_child_change() RETURNS trigger AS $$
            DECLARE
              parent integer;
            BEGIN
              IF TG_OP = 'DELETE' THEN parent := OLD.record_id; ELSE parent := NEW.record_id; END IF;
              IF EXISTS (SELECT 1 FROM investigation_records WHERE id = parent AND status = 'completed')
                 OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM investigation_records
                                                  WHERE id = OLD.record_id AND status = 'completed')) THEN
                RAISE EXCEPTION '% rows of a completed investigation record are immutable', TG_TABLE_NAME
                  USING ERRCODE = 'check_violation';
              END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        for table in CHILDREN:
            op.execute(f"""CREATE TRIGGER {table}_completed_immutable BEFORE INSERT OR UPDATE OR DELETE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION caseflow_refuse_completed_record_child_change()""")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER investigation_records_no_{action.lower()}_completed
                           BEFORE {action} ON investigation_records WHEN OLD.status = 'completed'
                           BEGIN SELECT RAISE(ABORT, 'completed investigation records are immutable'); END""")
        completed = "(SELECT status FROM investigation_records WHERE id = {row}.record_id) = 'completed'"
        for table in CHILDREN:
            for action, when in (("INSERT", completed.format(row="NEW")),
                                 ("UPDATE", f"{completed.format(row='OLD')} OR {completed.format(row='NEW')}"),
                                 ("DELETE", completed.format(row="OLD"))):
                op.execute(f"""CREATE TRIGGER {table}_no_{action.lower()}_completed BEFORE {action} ON {table}
                               WHEN {when}
                               BEGIN SELECT RAISE(ABORT, '{table} rows of a completed record are immutable'); END""")


def _drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table in CHILDREN:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_completed_immutable ON {table}")
        op.execute("DROP TRIGGER IF EXISTS investigation_records_completed_immutable ON investigation_records")
        op.execute("DROP FUNCTION IF EXISTS caseflow_refuse_completed_record_child_change()")
        op.execute("DROP FUNCTION IF EXISTS caseflow_refuse_completed_record_change()")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS investigation_records_no_{action}_completed")
        for table in CHILDREN:
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}_completed")


def downgrade():
    _drop_triggers()
    with op.batch_alter_table('record_media', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_media_record_id'))
    op.drop_table('record_media')
    with op.batch_alter_table('record_officers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_officers_record_id'))
    op.drop_table('record_officers')
    with op.batch_alter_table('investigation_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_investigation_records_case_id'))
    op.drop_table('investigation_records')
