"""Search: GET /api/v1/search?q=挂床&kind=document&filed_from=2024-01-01&page=1&per_page=20 — ranked hits
among the cases the caller may see, each with a snippet and the ranges of the matches in it. See
caseflow/search/schemas.py and docs/decisions/0004-search.md."""
from caseflow.api import api_bp
from caseflow.api.auth import current_actor
from caseflow.api.common import load_query
from caseflow.search import queries
from caseflow.search.schemas import SearchArgsSchema, SearchResultSchema


@api_bp.get("/search")
def search():
    args = load_query(SearchArgsSchema(), "检索条件")
    page, per_page = args.pop("page"), args.pop("per_page")
    result = queries.search(current_actor(), queries.SearchFilters(**args), page, per_page)
    return SearchResultSchema().dump(result)
