"""Reading submitted HTML forms into the values services expect, and describing transition forms.

Services validate what they receive and name every bad field in Chinese; this module only turns the
strings a browser sends into dates, numbers, flags and lists, and reports what it could not read in
the same {field: message} shape, so a form is re-rendered the same way either way.
CSRF tokens are checked for every POST by Flask-WTF's CSRFProtect before a view runs.
"""
import re
from datetime import date
from urllib.parse import urlsplit

from flask_babel import gettext as _

from caseflow.auth.roles import OFFICER
from caseflow.errors import ValidationFailed
from caseflow.parties.validators import InvalidIdentifier, validate_id_number


class FormReader:
    """Typed values from a submitted form; problems are collected in `errors` (field -> Chinese message)."""

    def __init__(self, form):
        self.form = form
        self.errors: dict[str, str] = {}

    def text(self, name: str, label: str | None = None, max_length: int | None = None) -> str:
        value = (self.form.get(name) or "").strip()
        if max_length and len(value) > max_length:
            self.errors[name] = _("%(label)s不能超过 %(n)s 个字", label=label or "", n=max_length)
        return value

    def date(self, name: str, label: str) -> date | None:
        raw = (self.form.get(name) or "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = _("%(label)s格式应为 YYYY-MM-DD（如 2026-03-01）", label=label)
            return None

    def integer(self, name: str, label: str) -> int | None:
        raw = (self.form.get(name) or "").strip()
        if not raw:
            return None
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not -2**31 <= value < 2**31:  # beyond the database's integer columns
            self.errors[name] = _("%(label)s无效", label=label)
            return None
        return value

    def flag(self, name: str) -> bool:
        """A checkbox (a hidden 'false' may precede it): true when any submitted value says so."""
        return any(v in ("true", "on", "1", "y", "yes") for v in self.form.getlist(name))

    def raise_if_errors(self, title: str):
        if self.errors:
            raise ValidationFailed(title + "：" + "；".join(self.errors.values()), dict(self.errors))


def safe_next(target: str | None) -> str | None:
    """A redirect target from a form or query string, only when it stays on this site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


REPORTER_LIMITS = (("name", "举报人姓名", 40), ("phone", "联系电话", 30), ("address", "联系地址", 200))


def read_reporter(reader: FormReader) -> dict | None:
    """The optional reporter block of the clue form; None when left empty (anonymous or no reporter)."""
    values = {key: reader.text(f"reporter_{key}", label, limit) for key, label, limit in REPORTER_LIMITS}
    values["id_number"] = reader.text("reporter_id_number")
    if not any(values.values()):
        return None
    if values["id_number"]:
        try:
            values["id_number"] = validate_id_number(values["id_number"])
        except InvalidIdentifier as exc:
            reader.errors["reporter_id_number"] = str(exc)
    values["real_name"] = reader.flag("reporter_real_name")
    return values


def transition_data(transition, form) -> dict:
    """The raw values of a transition's declared fields, as the engine's validation expects them."""
    data = {}
    for fd in transition.fields:
        if fd.type == "officers":
            data[fd.name] = form.getlist(fd.name)
        elif fd.type == "boolean":
            data[fd.name] = "true" if "true" in form.getlist(fd.name) else "false"
        elif fd.type == "violations":
            data[fd.name] = violation_rows(fd.name, form)
        elif fd.type == "circumstances":
            data[fd.name] = [v for v in form.getlist(fd.name) if v]
        else:
            data[fd.name] = form.get(fd.name, "")
    return data


LIST_FIELDS = ("officers", "violations", "circumstances")
VIOLATION_ROWS = 3  # rows shown in the violations table (more when more were submitted)


def violation_rows(name: str, form) -> list[dict]:
    """The filled rows of a violations table (<name>-<i>-article / -amount / -fraud_purpose), in row order;
    rows with neither an article nor an amount are left out. A missing part is sent as None, so the engine
    names it ("此项不能为空")."""
    pattern = re.compile(rf"^{re.escape(name)}-(\d{{1,3}})-(article|amount|fraud_purpose)$")
    indexes = sorted({int(m.group(1)) for key in form.keys() if (m := pattern.match(key))})
    rows = []
    for i in indexes:
        article = (form.get(f"{name}-{i}-article") or "").strip()
        amount = (form.get(f"{name}-{i}-amount") or "").strip()
        if not article and not amount:
            continue
        rows.append({"article": article or None, "amount": amount or None,
                     "fraud_purpose": any(v in ("true", "on", "1") for v in form.getlist(f"{name}-{i}-fraud_purpose"))})
    return rows


ROW_ERROR = re.compile(r"^(?:items\.)?(\d+)\.(\w+)$")


def _row_errors(name: str, errors: dict) -> dict[int, dict[str, str]]:
    """Messages about single rows, from keys like "violations.items.0.article" or "violations.0.amount"."""
    rows: dict[int, dict[str, str]] = {}
    for key, message in errors.items():
        if key.startswith(name + "."):
            m = ROW_ERROR.match(key[len(name) + 1:])
            if m:
                rows.setdefault(int(m.group(1)), {})[m.group(2)] = message
    return rows


def article_options(party) -> list[dict]:
    """The catalogue's violation articles that apply to the party's kind of subject, with their titles."""
    from caseflow.rules.case_assessment import subject_of
    from caseflow.rules.catalogue import catalogue
    subject, _insured = subject_of(party)
    return [{"value": key, "label": f"{v.title}（{v.citation.text}）"}
            for key, v in catalogue().violations.items() if subject in v.subjects]


def _violations_widget(widget, fd, case, errors):
    rows = [dict(r) for r in (widget["value"] or []) if isinstance(r, dict)]
    by_row = _row_errors(fd.name, errors)
    for i, row in enumerate(rows):
        row["errors"] = by_row.get(i, {})
    shown_at_rows = bool(by_row) and max(by_row) < len(rows)
    spare = max(VIOLATION_ROWS - len(rows), 1)  # always room for one more
    rows += [{"article": "", "amount": "", "fraud_purpose": False, "errors": {}} for _i in range(spare)]
    for i, row in enumerate(rows):
        row["index"] = i
        row["article"] = row.get("article") or ""
        row["amount"] = "" if row.get("amount") is None else str(row["amount"])
    widget["rows"] = rows
    widget["options"] = article_options(case.party)
    if shown_at_rows:  # each row shows its own messages; the field-level summary would only repeat them
        widget["error"] = None


def field_widgets(transition, case, users, today, values=None, errors=None) -> list[dict]:
    """Describe the inputs of a transition's form for the template: type, label, limits, choices, the
    value to show (the user's input when re-rendering) and the Chinese message of a rejected field."""
    values, errors = values or {}, errors or {}
    recused = {r.officer_id for r in case.recusals if r.status == "granted"}
    widgets = []
    for fd in transition.fields:
        widget = {"name": fd.name, "type": fd.type, "label": fd.label, "required": fd.required,
                  "help": fd.help, "max_length": fd.max_length, "min": fd.min, "max": fd.max,
                  "choices": [{"value": v, "label": lbl} for v, lbl in fd.choices],
                  "value": values.get(fd.name, [] if fd.type in LIST_FIELDS else ""),
                  "error": errors.get(fd.name)}
        if fd.type == "officers":
            chosen = {str(v) for v in widget["value"]}
            widget["options"] = [_officer_option(u, today, recused, chosen) for u in users
                                 if u.has_role(OFFICER) and u.organisation_id == case.organisation_id]
        elif fd.type == "user":
            widget["options"] = [{"value": str(u.id), "label": u.name, "note": _roles_note(u)} for u in users
                                 if u.organisation_id == case.organisation_id and (not fd.role or u.has_role(fd.role))]
            widget["value"] = str(widget["value"] or "")
        elif fd.type == "boolean":
            widget["value"] = widget["value"] in (True, "true", "on")
        elif fd.type == "violations":
            _violations_widget(widget, fd, case, errors)
        elif fd.type == "circumstances":
            from caseflow.rules.catalogue import CIRCUMSTANCES
            chosen = set(widget["value"] or [])
            widget["options"] = [{"value": k, "label": lbl, "checked": k in chosen} for k, lbl in CIRCUMSTANCES.items()]
        widgets.append(widget)
    return widgets


def _officer_option(user, today, recused, chosen) -> dict:
    notes = []
    if not user.credential_valid_on(today):
        notes.append(_("执法证今日无效"))
    if user.id in recused:
        notes.append(_("已回避本案"))
    return {"value": str(user.id), "label": user.name, "credential": user.credential_no or "—",
            "note": "；".join(notes), "checked": str(user.id) in chosen}


def _roles_note(user) -> str:
    from caseflow.auth.roles import ROLE_LABELS
    return "、".join(ROLE_LABELS[r] for r in sorted(user.roles))


ROW_LABELS = {"article": "条款", "amount": "金额", "fraud_purpose": "以骗取基金为目的"}


def explain_rows(transition, values: dict, exc: ValidationFailed) -> ValidationFailed:
    """The engine's refusal with a message per bad violation row ("violations.items.<i>.<part>") and a
    readable field message, so each row shows its own reason; the rows are checked with the engine's own
    item schema. Other refusals are returned unchanged."""
    from caseflow.workflow.forms import ViolationItemSchema
    details, changed = dict(exc.details or {}), False
    for fd in transition.fields:
        if fd.type != "violations" or fd.name not in details or _row_errors(fd.name, details):
            continue
        parts = []
        for i, row in enumerate(values.get(fd.name) or []):
            for part, msgs in ViolationItemSchema().validate(row).items():
                message = "；".join(str(m) for m in (msgs if isinstance(msgs, list) else [msgs]))
                details[f"{fd.name}.items.{i}.{part}"] = message
                parts.append(_("第%(n)s行%(part)s：%(message)s", n=i + 1, part=ROW_LABELS.get(part, part), message=message))
        if parts:
            details[fd.name], changed = "；".join(parts), True
    if not changed:
        return exc
    labels = {fd.name: fd.label for fd in transition.fields}
    summary = "；".join(f"{labels.get(k, k)}：{v}" for k, v in details.items() if "." not in k)
    return ValidationFailed(_("填写有误：%(summary)s", summary=summary), details)
