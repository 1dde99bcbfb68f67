"""The general procedure end to end through the services, on every backend."""
from datetime import date

from caseflow.audit.services import verify_chain
from caseflow.cases import services as cases
from caseflow.demo import GENERAL_PENALTY_PATH, drive


def test_full_general_procedure_reaches_archive(people, parties):
    party = parties["福州仁和大药房有限公司"]
    case = cases.register_clue(people["officer"], source="complaint", received_on=date(2025, 3, 3),
                               summary="举报该药店串换药品。", party_id=party.id, on=date(2025, 3, 3))
    driven = drive(case, GENERAL_PENALTY_PATH, date(2025, 3, 3), people)
    assert driven.case.state == "archived"
    assert driven.case.case_number == "榕医保立〔2025〕1号"
    assert driven.case.title == "福州仁和大药房有限公司涉嫌串换药品骗取医保基金案"
    report = verify_chain()
    assert report.ok and report.checked >= len(GENERAL_PENALTY_PATH) + 1
