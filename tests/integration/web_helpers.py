"""Helpers shared by the web tests (tests/integration/test_web_*.py). This module holds no tests."""
import re

from caseflow.cases.models import Case
from caseflow.extensions import db

PHARMACY = "福州仁和大药房有限公司"


def text(response) -> str:
    return response.get_data(as_text=True)


def version_on(page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def fresh(case_id) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)
