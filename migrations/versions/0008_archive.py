"""archive records of archived cases, legal holds and disposals; once a case is archived the database refuses
any write to the case row, its documents, their service records and its evidence (issue 5)

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# the document columns a rendering may set once on an archived case (a document issued with deferred rendering
# gets its PDF when the file is assembled); `version` is the optimistic-lock counter that moves with it
DOCUMENT_RENDER_COLUMNS = ("pdf_sha256", "pdf_size", "version")
DOCUMENT_COLUMNS = ("id", "case_id", "organisation_id", "key", "title", "template_version", "status", "revision",
                    "supersedes_id", "correction_reason", "number", "number_series", "number_year", "number_seq",
                    "data", "snapshot", "snapshot_sha256", "verification_code", "approval_id",
                    "served_document_id", "created_by_trigger", "created_by_id", "created_at", "issued_by_id",
                    "issued_at", "served_on")
RECORD_FROZEN = ("id", "case_id", "organisation_id", "archive_no", "archive_year", "archive_seq", "retention",
                 "retention_basis", "retention_until", "archived_at", "archived_by_id")
RECORD_SET_ONCE = ("pages", "case_file_sha256", "case_file_size", "assembled_at")
EVIDENCE_CHILDREN = ("evidence_collectors", "evidence_attachments", "evidence_custody_events")
APPEND_ONLY = ("archive_holds", "archive_disposals")


def upgrade():
    op.create_table('archive_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('archive_no', sa.String(length=80), nullable=False),
    sa.Column('archive_year', sa.Integer(), nullable=False),
    sa.Column('archive_seq', sa.Integer(), nullable=False),
    sa.Column('retention', sa.String(length=10), nullable=False),
    sa.Column('retention_basis', sa.Text(), nullable=False),
    sa.Column('retention_until', sa.Date(), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('case_file_sha256', sa.String(length=64), nullable=True),
    sa.Column('case_file_size', sa.BigInteger(), nullable=True),
    sa.Column('manifest', sa.JSON(), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=False),
    sa.Column('archived_by_id', sa.Integer(), nullable=False),
    sa.Column('assembled_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("(case_file_sha256 IS NULL) = (case_file_size IS NULL)", name=op.f('ck_archive_records_case_file')),
    sa.CheckConstraint("(case_file_sha256 IS NULL) = (pages IS NULL)", name=op.f('ck_archive_records_pages_assembled')),
    sa.CheckConstraint("(retention = 'permanent') = (retention_until IS NULL)", name=op.f('ck_archive_records_retention_until')),
    sa.CheckConstraint("pages IS NULL OR pages >= 1", name=op.f('ck_archive_records_pages')),
    sa.CheckConstraint("retention IN ('permanent', '30y')", name=op.f('ck_archive_records_retention')),
    sa.ForeignKeyConstraint(['archived_by_id'], ['users.id'], name=op.f('fk_archive_records_archived_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_archive_records_case_id_cases')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_archive_records_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_records')),
    sa.UniqueConstraint('case_id', name=op.f('uq_archive_records_case_id')),
    sa.UniqueConstraint('organisation_id', 'archive_no', name='uq_archive_records_org_archive_no')
    )
    with op.batch_alter_table('archive_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_records_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('archive_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("event IN ('placed', 'lifted')", name=op.f('ck_archive_holds_event')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_archive_holds_actor_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['archive_records.id'], name=op.f('fk_archive_holds_record_id_archive_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_holds'))
    )
    with op.batch_alter_table('archive_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_holds_record_id'), ['record_id'], unique=False)

    op.create_table('archive_disposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('disposed_by_id', sa.Integer(), nullable=False),
    sa.Column('disposed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['disposed_by_id'], ['users.id'], name=op.f('fk_archive_disposals_disposed_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['archive_records.id'], name=op.f('fk_archive_disposals_record_id_archive_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_disposals')),
    sa.UniqueConstraint('record_id', name=op.f('uq_archive_disposals_record_id'))
    )
    _create_triggers()


def _create_triggers():
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _postgresql_triggers():
    op.execute("""
        CREATE FUNCTION caseflow_case_archived(p_case_id integer) RETURNS boolean AS $$
          SELECT EXISTS (SELECT 1 FROM cases WHERE id = p_case_id AND state = 'archived')
        $$ LANGUAGE sql STABLE""")
    op.execute("""
        CREATE FUNCTION caseflow_refuse_archived_case_change() RETURNS trigger AS $$
        BEGIN
          IF OLD.state = 'archived' THEN
            RAISE EXCEPTION 'case % is archived and immutable', OLD.id USING ERRCODE = 'check_violation';
          END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql""")
    op.execute("""CREATE TRIGGER cases_archived_immutable BEFORE UPDATE OR DELETE ON cases
                  FOR EACH ROW EXECUTE FUNCTION caseflow_refuse_archived_case_change()""")
    render = " - ".join(f"'{c}'" for c in DOCUMENT_RENDER_COLUMNS)
    op.execute(f"""
        CREATE FUNCTION caseflow_refuse_archived_document_change() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            IF caseflow_case_archived(NEW.case_id) THEN
              RAISE EXCEPTION 'case % is archived: no new document', NEW.case_id USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
          END IF;
          IF NOT caseflow_case_archived(OLD.case_id) THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
          END IF;
          IF TG_OP = 'DELETE'
             OR (to_jsonb(NEW) - {render}) IS DISTINCT FROM (to_jsonb(OLD) - {render})
             OR (OLD.pdf_sha256 IS NOT NULL AND NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256)
             OR (OLD.pdf_size IS NOT NULL AND NEW.pdf_size IS DISTINCT FROM OLD.pdf_size) THEN
            RAISE EXCEPTION 'document % belongs to an archived case', OLD.id USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql""")
    op.execute("""CREATE TRIGGER documents_archived_immutable BEFORE INSERT OR UPDATE OR DELETE ON documents
                  FOR EACH ROW EXECUTE FUNCTION caseflow_refuse_archived_document_change()""")
    op.execute("""
        CREATE FUNCTION caseflow_refuse_archived_service() RETURNS trigger AS $$
        BEGIN
          IF caseflow_case_archived((SELECT case_id FROM documents WHERE id = NEW.document_id)) THEN
            RAISE EXCEPTION 'the case is archived: no new service record' USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql""")
    op.execute("""CREATE TRIGGER document_services_archived BEFORE INSERT ON document_services
                  FOR EACH ROW EXECUTE FUNCTION caseflow_refuse_archived_service()""")
    op.execute("""
        CREATE FUNCTION caseflow_refuse_archived_evidence() RETURNS trigger AS $$
        BEGIN
          IF (TG_OP <> 'INSERT' AND caseflow_case_archived(OLD.case_id))
             OR (TG_OP <> 'DELETE' AND caseflow_case_archived(NEW.case_id)) THEN
            RAISE EXCEPTION 'evidence of an archived case is immutable' USING ERRCODE = 'check_violation';
          END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql""")
    op.execute("""CREATE TRIGGER evidence_items_archived BEFORE INSERT OR UPDATE OR DELETE ON evidence_items
                  FOR EACH ROW EXECUTE FUNCTION caseflow_refuse_archived_evidence()""")
    op.execute("""
        CREATE FUNCTION caseflow_refuse_archived_evidence_log() RETURNS trigger AS $$
        BEGIN
          IF caseflow_case_archived((SELECT case_id FROM evidence_items WHERE id = NEW.evidence_id)) THEN
            RAISE EXCEPTION 'evidence of an archived case is immutable' USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql""")
    for table in EVIDENCE_CHILDREN:
        op.execute(f"""CREATE TRIGGER {table}_archived BEFORE INSERT ON {table}
                       FOR EACH ROW EXECUTE FUNCTION caseflow_refuse_archived_evidence_log()""")
    frozen = " OR ".join([f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in RECORD_FROZEN]
                         + [f"(OLD.{c} IS NOT NULL AND NEW.{c} IS DISTINCT FROM OLD.{c})" for c in RECORD_SET_ONCE]
                         + ["(OLD.case_file_sha256 IS NOT NULL AND NEW.manifest::jsonb IS DISTINCT FROM OLD.manifest::jsonb)"])
    op.execute(f"""
        CREATE FUNCTION caseflow_refuse_archive_record_change() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'DELETE' OR {frozen} THEN
            RAISE EXCEPTION 'archive record % is immutable', OLD.id USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql""")
    op.execute("""CREATE TRIGGER archive_records_immutable BEFORE UPDATE OR DELETE ON archive_records
                  FOR EACH ROW EXECUTE FUNCTION caseflow_refuse_archive_record_change()""")
    op.execute("""
        CREATE FUNCTION caseflow_refuse_archive_log_change() RETURNS trigger AS $$
        BEGIN
          RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME USING ERRCODE = 'check_violation';
        END $$ LANGUAGE plpgsql""")
    for table in APPEND_ONLY:
        op.execute(f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                       FOR EACH ROW EXECUTE FUNCTION caseflow_refuse_archive_log_change()""")


def _archived(case_id_expr: str) -> str:
    return f"(SELECT state FROM cases WHERE id = {case_id_expr}) = 'archived'"


def _sqlite_triggers():
    def refuse(name, when_event, table, condition, message):
        op.execute(f"""CREATE TRIGGER {name} BEFORE {when_event} ON {table} WHEN {condition}
                       BEGIN SELECT RAISE(ABORT, '{message}'); END""")

    refuse("cases_archived_no_update", "UPDATE", "cases", "OLD.state = 'archived'", "archived case is immutable")
    refuse("cases_archived_no_delete", "DELETE", "cases", "OLD.state = 'archived'", "archived case is immutable")
    refuse("documents_archived_no_insert", "INSERT", "documents", _archived("NEW.case_id"),
           "the case is archived: no new document")
    refuse("documents_archived_no_delete", "DELETE", "documents", _archived("OLD.case_id"),
           "document of an archived case is immutable")
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in DOCUMENT_COLUMNS)
    refuse("documents_archived_no_update", "UPDATE", "documents",
           f"{_archived('OLD.case_id')} AND ({changed} OR (OLD.pdf_sha256 IS NOT NULL AND NEW.pdf_sha256 IS NOT OLD.pdf_sha256)"
           " OR (OLD.pdf_size IS NOT NULL AND NEW.pdf_size IS NOT OLD.pdf_size))",
           "document of an archived case is immutable")
    refuse("document_services_archived_no_insert", "INSERT", "document_services",
           _archived("(SELECT case_id FROM documents WHERE id = NEW.document_id)"),
           "the case is archived: no new service record")
    refuse("evidence_items_archived_no_insert", "INSERT", "evidence_items", _archived("NEW.case_id"),
           "evidence of an archived case is immutable")
    refuse("evidence_items_archived_no_update", "UPDATE", "evidence_items",
           f"{_archived('OLD.case_id')} OR {_archived('NEW.case_id')}", "evidence of an archived case is immutable")
    refuse("evidence_items_archived_no_delete", "DELETE", "evidence_items", _archived("OLD.case_id"),
           "evidence of an archived case is immutable")
    for table in EVIDENCE_CHILDREN:
        refuse(f"{table}_archived_no_insert", "INSERT", table,
               _archived("(SELECT case_id FROM evidence_items WHERE id = NEW.evidence_id)"),
               "evidence of an archived case is immutable")
    frozen = " OR ".join([f"NEW.{c} IS NOT OLD.{c}" for c in RECORD_FROZEN]
                         + [f"(OLD.{c} IS NOT NULL AND NEW.{c} IS NOT OLD.{c})" for c in RECORD_SET_ONCE]
                         + ["(OLD.case_file_sha256 IS NOT NULL AND NEW.manifest IS NOT OLD.manifest)"])
    refuse("archive_records_no_update", "UPDATE", "archive_records", f"({frozen})", "archive record is immutable")
    refuse("archive_records_no_delete", "DELETE", "archive_records", "1", "archive record is immutable")
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            refuse(f"{table}_no_{action.lower()}", action, table, "1", f"{table} rows are append-only")


def _drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cases_archived_immutable ON cases")
        op.execute("DROP TRIGGER IF EXISTS documents_archived_immutable ON documents")
        op.execute("DROP TRIGGER IF EXISTS document_services_archived ON document_services")
        op.execute("DROP TRIGGER IF EXISTS evidence_items_archived ON evidence_items")
        for table in EVIDENCE_CHILDREN:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_archived ON {table}")
        op.execute("DROP TRIGGER IF EXISTS archive_records_immutable ON archive_records")
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        for fn in ("caseflow_refuse_archived_case_change", "caseflow_refuse_archived_document_change",
                   "caseflow_refuse_archived_service", "caseflow_refuse_archived_evidence",
                   "caseflow_refuse_archived_evidence_log", "caseflow_refuse_archive_record_change",
                   "caseflow_refuse_archive_log_change"):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}()")
        op.execute("DROP FUNCTION IF EXISTS caseflow_case_archived(integer)")
    else:
        names = ["cases_archived_no_update", "cases_archived_no_delete", "documents_archived_no_insert",
                 "documents_archived_no_delete", "documents_archived_no_update", "document_services_archived_no_insert",
                 "evidence_items_archived_no_insert", "evidence_items_archived_no_update",
                 "evidence_items_archived_no_delete", "archive_records_no_update", "archive_records_no_delete"]
        names += [f"{t}_archived_no_insert" for t in EVIDENCE_CHILDREN]
        names += [f"{t}_no_{a}" for t in APPEND_ONLY for a in ("update", "delete")]
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def downgrade():
    _drop_triggers()
    op.drop_table('archive_disposals')
    with op.batch_alter_table('archive_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_holds_record_id'))
    op.drop_table('archive_holds')
    with op.batch_alter_table('archive_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_records_organisation_id'))
    op.drop_table('archive_records')
