"""Registering clues, on-site (simplified-procedure) cases and parties."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from caseflow.auth.roles import OFFICER
from caseflow.cases import services as cases
from caseflow.clues.models import CLUE_SOURCES
from caseflow.errors import Conflict, ValidationFailed
from caseflow.parties import services as parties
from caseflow.parties.models import PARTY_KINDS
from caseflow.timeutil import today
from caseflow.web import lookups, presenters, web_bp
from caseflow.web.forms import FormReader, read_reporter, safe_next
from caseflow.web.views import require_roles

PARTY_FIELDS = ("kind", "name", "credit_code", "id_number", "legal_representative", "address", "phone")


def _party_choices():
    return [presenters.party_choice(p) for p in lookups.parties_of(current_user.organisation_id)]


@web_bp.route("/clues/new", methods=["GET", "POST"])
@require_roles(OFFICER)
def new_clue():
    values = {"received_on": today().isoformat(), "party_id": request.args.get("party_id", ""),
              "reporter_real_name": "true"}
    errors, message, status = {}, "", 200
    if request.method == "POST":
        reader = FormReader(request.form)
        values = {**request.form.to_dict(), "reporter_real_name": "true" if reader.flag("reporter_real_name") else ""}
        received_on = reader.date("received_on", _("收到日期"))
        party_id = reader.integer("party_id", _("当事人"))
        reporter = read_reporter(reader)
        try:
            reader.raise_if_errors(_("线索登记填写有误"))
            case = cases.register_clue(current_user, source=reader.text("source"), received_on=received_on,
                                       summary=request.form.get("summary", ""), party_id=party_id,
                                       cause=reader.text("cause", _("初步案由"), 100) or None, reporter=reporter)
        except (ValidationFailed, Conflict) as exc:
            errors, message, status = dict(exc.details), exc.message, exc.status
            if "reporter.name" in errors:
                errors["reporter_name"] = errors.pop("reporter.name")
        else:
            flash(_("线索已登记，已开始计算核查期限"), "success")
            return redirect(url_for("web.case_detail", case_id=case.id), 303)
    reporter_open = any(values.get(f"reporter_{k}") for k in ("name", "phone", "id_number", "address")) or \
        any(k.startswith("reporter_") for k in errors)
    return render_template("intake/clue.html", values=values, errors=errors, message=message, sources=CLUE_SOURCES,
                           parties=_party_choices(), reporter_open=reporter_open), status


@web_bp.route("/onsite/new", methods=["GET", "POST"])
@require_roles(OFFICER)
def new_onsite():
    values = {"party_id": request.args.get("party_id", "")}
    errors, message, status = {}, "", 200
    if request.method == "POST":
        values = request.form.to_dict()
        reader = FormReader(request.form)
        party_id = reader.integer("party_id", _("当事人"))
        try:
            reader.raise_if_errors(_("现场案件登记填写有误"))
            case = cases.register_onsite_case(current_user, party_id=party_id, summary=request.form.get("summary", ""))
        except (ValidationFailed, Conflict) as exc:
            errors, message, status = exc.details, exc.message, exc.status
        else:
            flash(_("现场案件已登记（简易程序）"), "success")
            return redirect(url_for("web.case_detail", case_id=case.id), 303)
    return render_template("intake/onsite.html", values=values, errors=errors, message=message,
                           parties=_party_choices()), status


@web_bp.route("/parties/new", methods=["GET", "POST"])
@require_roles(OFFICER)
def new_party():
    back = safe_next(request.values.get("next"))
    values = {"kind": "institution"}
    errors, message, status = {}, "", 200
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in PARTY_FIELDS}
        try:
            party = parties.create_party(current_user, dict(values))
        except (ValidationFailed, Conflict) as exc:
            errors, message, status = exc.details, exc.message, exc.status
        else:
            flash(_("当事人「%(name)s」已登记", name=party.name), "success")
            target = url_for("web.new_onsite" if back == url_for("web.new_onsite") else "web.new_clue",
                             party_id=party.id)
            return redirect(target, 303)
    return render_template("intake/party.html", values=values, errors=errors, message=message,
                           kinds=PARTY_KINDS, back=back), status
