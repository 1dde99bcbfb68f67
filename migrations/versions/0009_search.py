"""search index (issue 5): one row per case, issued document and evidence item with its plain text and
its CJK-bigram tokens; SQLite an external-content FTS5 table kept in sync by triggers, PostgreSQL a
stored tsvector column with a GIN index (docs/decisions/0004-search.md). The index is filled by
`flask caseflow search-reindex` after upgrading an existing database.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='search_entries', content_rowid='id', "
    "tokenize='unicode61')",
    "CREATE TRIGGER search_entries_fts_insert AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER search_entries_fts_delete AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER search_entries_fts_update AFTER UPDATE OF tokens ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
)
POSTGRESQL_DDL = (
    "ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED",
    "CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)",
)


def upgrade():
    op.create_table('search_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tokens', sa.Text(), nullable=False),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('fine_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('case', 'document', 'evidence')", name=op.f('ck_search_entries_kind')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_search_entries_case_id_cases')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_search_entries_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entries')),
    sa.UniqueConstraint('kind', 'ref_id', name='uq_search_entries_kind_ref')
    )
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_entries_case_id'), ['case_id'], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DDL if dialect == "sqlite" else POSTGRESQL_DDL if dialect == "postgresql" else ():
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_entries_fts_insert", "search_entries_fts_delete", "search_entries_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entries_case_id'))
    op.drop_table('search_entries')
