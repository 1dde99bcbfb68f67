"""The assessment of a case: the rules service fed from the case's party, organisation profile, recorded
violation items and circumstances. Used when the investigation concludes (stored with the case) and by
the decision guards (re-run with the proposed penalty)."""
from datetime import date

from caseflow.errors import ValidationFailed
from caseflow.rules.assessment import assess

# party kinds (caseflow.parties.models.PARTY_KINDS) → the assessment's subject types
SUBJECT_OF_PARTY = {"institution": "institution", "pharmacy": "pharmacy", "agency": "agency", "insured": "individual"}


def subject_of(party) -> tuple[str, bool | None]:
    if party.kind in SUBJECT_OF_PARTY:
        subject = SUBJECT_OF_PARTY[party.kind]
    else:
        subject = "individual" if party.is_person else "institution"
    return subject, (party.kind == "insured") if subject == "individual" else None


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def payload_for(case, violations, circumstances, conduct_ended_on, proposed=None) -> dict:
    subject, insured = subject_of(case.party)
    discovered = case.clue.received_on if case.clue is not None else case.filed_on
    payload = {
        "profile": case.organisation.rules_profile,
        "subject": subject,
        "items": [{"article": v["article"], "amount": str(v["amount"]), "fraud_purpose": bool(v.get("fraud_purpose"))}
                  for v in violations],
        "circumstances": list(circumstances or []),
        "conduct_ended_on": _iso(conduct_ended_on),
        "discovered_on": _iso(discovered),
    }
    if insured is not None:
        payload["insured"] = insured
    if proposed:
        payload["proposed"] = {k: v if isinstance(v, int) else str(v) for k, v in proposed.items() if v is not None}
    return payload


def assess_case(case, violations, circumstances, conduct_ended_on, proposed=None, field="violations") -> dict:
    """Run the assessment; a rules validation error is reported against the form field `field`."""
    try:
        return assess(payload_for(case, violations, circumstances, conduct_ended_on, proposed))
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, {field: exc.message, **{f"{field}.{k}": v for k, v in exc.details.items()}})


def reassess(case, proposed: dict) -> dict | None:
    """The stored assessment's inputs re-run with a proposed penalty; None when the case has none."""
    facts = case.facts or {}
    if not facts.get("violations"):
        return None
    return assess_case(case, facts["violations"], facts.get("circumstances"), facts.get("conduct_ended_on"),
                       proposed, field="fine_amount")
