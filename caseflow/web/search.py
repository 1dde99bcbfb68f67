"""The 检索 page: a query box and filters over every case the user may see; ranked hits with highlighted
snippets, a page at a time. The query string is loaded by the same schema as the API's."""
from flask import render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from caseflow.auth.models import Organisation
from caseflow.cases.access import organisation_scope
from caseflow.extensions import db
from caseflow.search import queries
from caseflow.search.models import KINDS
from caseflow.search.schemas import SearchArgsSchema
from caseflow.web import presenters, web_bp
from caseflow.web.views import CASE_ROLES, require_roles


def _organisations():
    ids = organisation_scope(current_user)
    rows = db.session.execute(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.id)).scalars()
    return [{"id": o.id, "name": o.name} for o in rows]


@web_bp.get("/search")
@require_roles(*CASE_ROLES)
def search():
    supplied = {key: value.strip() for key, value in request.args.items() if value.strip()}
    result, errors, status = None, {}, 200
    if supplied:
        try:
            args = SearchArgsSchema().load(supplied)
        except ValidationError as exc:
            errors = {key: (msgs[0] if isinstance(msgs, list) else str(msgs))
                      for key, msgs in exc.normalized_messages().items()}
            status = 422
        else:
            page, per_page = args.pop("page"), args.pop("per_page")
            result = queries.search(current_user, queries.SearchFilters(**args), page, per_page)
    pages = None
    if result is not None:
        rest = {k: v for k, v in supplied.items() if k != "page"}
        pages = {"page": result.page, "pages": result.pages,
                 "prev": url_for("web.search", **rest, page=result.page - 1) if result.page > 1 else None,
                 "next": url_for("web.search", **rest, page=result.page + 1) if result.page < result.pages else None}
    return render_template("search/index.html", result=result, pages=pages, errors=errors, args=request.args,
                           kinds=KINDS, workflows=presenters.workflow_choices(), organisations=_organisations()), status
