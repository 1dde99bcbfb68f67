"""Searching the index: full text (any length of Chinese term) plus case filters, within what the user may
see, ranked, one page at a time with highlighted snippets.

Ranking is done within a bounded candidate set: at most CANDIDATES matches (newest first on SQLite, index
order on PostgreSQL) are scored, so a term found in half a million documents answers as fast as a rare one;
the total is then shown as "more than 200" (`capped`). See docs/decisions/0004-search.md for the figures.
"""
import html
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, column, exists, func, literal_column, or_, select, table

from caseflow.archive.borrowing import BorrowRequest
from caseflow.auth.models import User
from caseflow.auth.roles import ARCHIVIST, HEAD, LEGAL_REVIEWER
from caseflow.cases.access import visible_cases_filter
from caseflow.cases.models import Case, CaseOfficer
from caseflow.errors import ValidationFailed
from caseflow.extensions import db
from caseflow.parties.models import Party
from caseflow.search.indexing import state_label
from caseflow.search.models import SearchEntry
from caseflow.search.tokens import fts5_match, normalise, pg_tsquery, split_terms, term_phrase
from caseflow.timeutil import local_now

CANDIDATES = 200
RECENT_WINDOW = 4000  # PostgreSQL: newest index rows checked one by one before asking the GIN index
MAX_PER_PAGE = 100
SNIPPET_CHARS = 120

_fts = table("search_fts", column("rowid"))


@dataclass
class SearchFilters:
    q: str = ""
    case_number: str | None = None
    party: str | None = None          # name or unified social credit code
    cause: str | None = None          # 案由 (cause text, which names the article)
    officer: str | None = None        # an assigned officer's name
    organisation_id: int | None = None
    state: str | None = None
    kind: str | None = None           # case / document / evidence
    filed_from: date | None = None
    filed_to: date | None = None
    decided_from: date | None = None
    decided_to: date | None = None
    closed_from: date | None = None
    closed_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None

    def has_filters(self) -> bool:
        return any(getattr(self, name) not in (None, "") for name in self.__dataclass_fields__ if name != "q")


@dataclass
class Hit:
    kind: str
    kind_label: str
    ref_id: int
    case_id: int
    case_number: str | None
    case_title: str
    state: str
    state_label: str
    title: str
    score: float
    snippet: str                      # plain text
    highlights: list[tuple[int, int]]  # [start, end) character ranges of matches within `snippet`

    @property
    def snippet_html(self) -> str:
        """The snippet HTML-escaped, with <mark> around each match."""
        out, last = [], 0
        for start, end in self.highlights:
            out.append(html.escape(self.snippet[last:start]))
            out.append("<mark>" + html.escape(self.snippet[start:end]) + "</mark>")
            last = end
        out.append(html.escape(self.snippet[last:]))
        return "".join(out)


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    capped: bool                      # more than CANDIDATES matches: `total` is a lower bound
    page: int
    per_page: int
    terms: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def total_label(self) -> str:
        return f"超过 {CANDIDATES} 条" if self.capped else f"{self.total} 条"


def _contains(col, value: str):
    escaped = value.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return col.ilike(f"%{escaped}%", escape="\\")


def patient_level_condition(user):
    """SQL twin of caseflow.evidence.services.can_see_patient_level: the case's organisation, and its heads and
    legal reviewers or an officer assigned to the case."""
    if user.has_role(HEAD, LEGAL_REVIEWER):
        return Case.organisation_id == user.organisation_id
    assigned = exists().where(CaseOfficer.case_id == Case.id, CaseOfficer.user_id == user.id,
                              CaseOfficer.active.is_(True))
    return and_(Case.organisation_id == user.organisation_id, assigned)


WITHHELD = "（已归档案件的卷宗材料：借阅获批后可查看内容）"


def opens_archived_material(user):
    """A test of whether `user` may read the material of an archived case (the twin of
    caseflow.cases.access.archive_material_basis for a page of hits): its organisation's archivists and holders
    of an active grant. Others still find an archived case by its documents' words (so they know what to
    borrow) but see no text from them."""
    if user is None:
        return lambda case_id, organisation_id: True
    granted = set(db.session.execute(select(BorrowRequest.case_id).where(
        BorrowRequest.requester_id == user.id, BorrowRequest.status == "approved",
        BorrowRequest.approved_until > local_now())).scalars())
    archivist = user.has_role(ARCHIVIST)
    return lambda case_id, organisation_id: case_id in granted or (
        archivist and organisation_id == user.organisation_id)


def _conditions(user, f: SearchFilters) -> list:
    conditions = []
    if user is not None:
        conditions.append(visible_cases_filter(user))
        conditions.append(or_(SearchEntry.restricted.is_(False), patient_level_condition(user)))
    if f.case_number:
        conditions.append(_contains(Case.case_number, normalise(f.case_number)))
    if f.party:
        conditions.append(exists().where(Party.id == Case.party_id,
                                         or_(_contains(Party.name, f.party), _contains(Party.credit_code, f.party))))
    if f.cause:
        conditions.append(_contains(Case.cause, f.cause))
    if f.officer:
        conditions.append(exists().where(CaseOfficer.case_id == Case.id, CaseOfficer.user_id == User.id,
                                         _contains(User.name, f.officer)))
    if f.organisation_id:
        conditions.append(Case.organisation_id == f.organisation_id)
    if f.state:
        conditions.append(Case.state == f.state)
    if f.kind:
        conditions.append(SearchEntry.kind == f.kind)
    for col, low, high in ((Case.filed_on, f.filed_from, f.filed_to), (Case.decided_on, f.decided_from, f.decided_to),
                           (Case.closed_on, f.closed_from, f.closed_to),
                           (SearchEntry.fine_amount, f.amount_min, f.amount_max)):
        if low is not None:
            conditions.append(col >= low)
        if high is not None:
            conditions.append(col <= high)
    return conditions


def _candidates(user, f: SearchFilters, phrases) -> list[tuple[int, float]]:
    """(entry id, score) of at most CANDIDATES + 1 matching entries."""
    base = _conditions(user, f)
    if not phrases:
        if not f.kind:
            base.append(SearchEntry.kind == "case")
        stmt = (select(SearchEntry.id, literal_column("0.0")).join(Case, Case.id == SearchEntry.case_id)
                .where(*base).order_by(SearchEntry.updated_at.desc(), SearchEntry.id.desc()))
    elif db.session.get_bind().dialect.name == "postgresql":
        return _pg_candidates(phrases, base)
    else:
        stmt = (select(SearchEntry.id, -func.bm25(literal_column("search_fts")))
                .select_from(_fts).join(SearchEntry, SearchEntry.id == _fts.c.rowid)
                .join(Case, Case.id == SearchEntry.case_id)
                .where(literal_column("search_fts").op("MATCH")(fts5_match(phrases)), *base)
                .order_by(_fts.c.rowid.desc()))
    return [(row[0], float(row[1] or 0)) for row in db.session.execute(stmt.limit(CANDIDATES + 1))]


def _pg_candidates(phrases, base) -> list[tuple[int, float]]:
    """Two steps, each with a bounded cost.

    1. The newest RECENT_WINDOW rows, read in key order and checked one by one (ts_match_vq, which no index
       serves): a common term (5 % of rows or more) fills the candidate set here, newest first, without
       GIN reading posting lists of hundreds of thousands of rows for each of its bigrams.
    2. Otherwise the GIN index on tsv finds the rows holding every token, PostgreSQL rechecks the phrase
       (adjacent positions) on those only; a rarer term has short posting lists, or one short enough for
       GIN's fast scan to skip through the others.
    Either way at most CANDIDATES + 1 rows are ranked."""
    vector = literal_column("search_entries.tsv")
    query = func.to_tsquery(literal_column("'simple'"), pg_tsquery(phrases))
    stmt = (select(SearchEntry.id, func.ts_rank_cd(vector, query)).join(Case, Case.id == SearchEntry.case_id)
            .where(*base).limit(CANDIDATES + 1))
    newest = db.session.execute(select(func.max(SearchEntry.id))).scalar() or 0
    recent = db.session.execute(stmt.where(SearchEntry.id > newest - RECENT_WINDOW, func.ts_match_vq(vector, query))
                                .order_by(SearchEntry.id.desc())).all()
    if len(recent) > CANDIDATES or newest <= RECENT_WINDOW:
        return [(row[0], float(row[1] or 0)) for row in recent]
    return [(row[0], float(row[1] or 0)) for row in db.session.execute(stmt.where(vector.op("@@")(query)))]


def search(user, filters: SearchFilters, page: int = 1, per_page: int = 20) -> SearchResult:
    """Entries matching every term of `filters.q` and every filter, among the cases `user` may see (`None`:
    everything, for the administrator's command line)."""
    page, per_page = max(1, int(page)), max(1, min(int(per_page), MAX_PER_PAGE))
    terms = split_terms(filters.q or "")
    if not terms and not filters.has_filters():
        raise ValidationFailed("请输入检索词或至少一个筛选条件", {"q": "请输入检索词"})
    phrases = [term_phrase(t) for t in terms]
    found = _candidates(user, filters, phrases)
    capped = len(found) > CANDIDATES
    found = found[:CANDIDATES]
    if phrases:
        found.sort(key=lambda pair: (-pair[1], -pair[0]))
    chosen = found[(page - 1) * per_page: page * per_page]
    return SearchResult(_hits(chosen, terms, user), len(found), capped, page, per_page, terms)


def _hits(chosen: list[tuple[int, float]], terms: list[str], user=None) -> list[Hit]:
    if not chosen:
        return []
    rows = db.session.execute(
        select(SearchEntry, Case.case_number, Case.title, Case.state, Case.workflow, Case.organisation_id)
        .join(Case, Case.id == SearchEntry.case_id).where(SearchEntry.id.in_([i for i, _ in chosen]))).all()
    by_id = {row[0].id: row for row in rows}
    may_open = opens_archived_material(user)
    hits = []
    for entry_id, score in chosen:
        entry, number, case_title, state, workflow, organisation_id = by_id[entry_id]
        if state == "archived" and entry.kind != "case" and not may_open(entry.case_id, organisation_id):
            snippet, ranges = WITHHELD, []
        else:
            snippet, ranges = make_snippet(entry.body, terms)
        hits.append(Hit(entry.kind, entry.kind_label, entry.ref_id, entry.case_id, number, case_title, state,
                        state_label(workflow, state), entry.title, round(score, 6), snippet, ranges))
    return hits


def _term_pattern(terms: list[str]):
    """A regex finding each term in text, punctuation and spacing between its pieces allowed (as the
    token phrase does), case-insensitive."""
    alternatives = []
    for term in sorted(terms, key=len, reverse=True):
        pieces = re.findall(r"[0-9A-Za-z]+|[^\W\d_A-Za-z]", normalise(term))
        if pieces:
            alternatives.append(r"[\W_]*".join(re.escape(p) for p in pieces))
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def make_snippet(body: str, terms: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """A window of the body around the first match, and the ranges of every match inside it."""
    text_ = " ".join((body or "").split())
    pattern = _term_pattern(terms)
    first = pattern.search(normalise(text_)) if pattern else None
    start = 0
    if first is not None:
        start = max(0, first.start() - SNIPPET_CHARS // 3)
    window = text_[start:start + SNIPPET_CHARS]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + SNIPPET_CHARS < len(text_) else ""
    snippet = prefix + window + suffix
    # normalise() maps character for character, so offsets found in it hold in the original
    ranges = [(m.start(), m.end()) for m in pattern.finditer(normalise(snippet))] if pattern else []
    return snippet, [r for r in ranges if r[1] > r[0]]
