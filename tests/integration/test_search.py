"""Search (issue 5, Build item 6): two-character and longer Chinese terms found on SQLite and PostgreSQL in
cases, issued documents and evidence descriptions; filters combine; nobody sees a case outside their scope,
patient-level evidence they may not see, or a reporter; ranked, paginated, with highlighted snippets; the
API, the web page and the command line."""
import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from caseflow.cases import services as cases
from caseflow.errors import ValidationFailed
from caseflow.evidence import services as evidence
from caseflow.extensions import db
from caseflow.search.models import SearchEntry
from caseflow.search import queries
from caseflow.search.queries import SearchFilters, search
from tests.conftest import login
from tests.integration.procedure_helpers import act, filed_case
from tests.integration.test_api_support import Api, assert_error

PHARMACY = "福州仁和大药房有限公司"
HOSPITAL = "福州康宁医院有限公司"


def item_form(people, title, description, patient_level=False):
    return {"evidence_type": "documentary", "title": title, "obtained_by": "onsite_inspection",
            "source": "现场检查", "collected_at": datetime(2025, 2, 13, 10, 0).isoformat(timespec="minutes"),
            "collected_place": "当事人住院部", "collected_by": [people["officer"].id, people["officer2"].id],
            "violations": [], "description": description, "patient_level": patient_level}


@pytest.fixture
def world(people, parties):
    """A filed fz case (仁和) with two evidence items, one of them patient-level; a fz clue (康宁) whose
    cause is 串换药品; a gl clue for 鼓楼百姓药店 whose cause mentions 挂床; a fz clue with a named reporter."""
    renhe = filed_case(people, parties[PHARMACY])
    evidence.register_evidence(renhe.id, item_form(people, "住院部现场检查照片",
                                                   "检查时 12 张床位中 7 名挂床住院患者不在院，护士站无护理记录。"),
                               people["officer"])
    evidence.register_evidence(renhe.id, item_form(people, "参保人住院病历", "参保人陈某某病历摘要：诊断为腰椎间盘突出。",
                                                   patient_level=True), people["officer"])
    kangning = cases.register_clue(people["officer"], source="inspection", received_on=date(2025, 2, 11),
                                   summary="飞行检查线索。", party_id=parties[HOSPITAL].id, cause="串换药品", on=date(2025, 2, 11))
    gulou = cases.register_clue(people["gl_officer"], source="complaint", received_on=date(2025, 2, 10),
                                summary="举报挂床住院。", party_id=parties["鼓楼百姓药店"].id, cause="挂床住院骗取医保基金",
                                on=date(2025, 2, 10))
    reported = cases.register_clue(people["officer"], source="complaint", received_on=date(2025, 2, 10),
                                   summary="举报人反映该院串换药品。", party_id=parties[HOSPITAL].id,
                                   reporter={"name": "钱多多", "phone": "13800000000", "real_name": True},
                                   on=date(2025, 2, 10))
    return {"renhe": renhe, "kangning": kangning, "gulou": gulou, "reported": reported}


def found(user, q="", **filters) -> list[tuple[str, int]]:
    result = search(user, SearchFilters(q=q, **filters), per_page=100)
    return [(h.kind, h.case_id) for h in result.hits]


@pytest.mark.parametrize("window", [queries.RECENT_WINDOW, 0])  # PostgreSQL: the newest rows, or the GIN index
def test_two_three_five_character_single_character_and_ascii_terms_with_highlighted_snippets(people, world, window,
                                                                                             monkeypatch):
    monkeypatch.setattr(queries, "RECENT_WINDOW", window)
    officer, renhe = people["officer"], world["renhe"].id
    for term in ("挂床", "挂床住", "挂床住院患", "床位中 护士站"):
        hits = search(officer, SearchFilters(q=term)).hits
        assert [(h.kind, h.case_id, h.title) for h in hits] == [("evidence", renhe, "证据1：住院部现场检查照片")], term
    assert ("evidence", renhe) in found(officer, "挂")
    assert found(officer, "床挂") == [] and found(officer, "挂床住院护士") == []
    assert found(people["officer3"], "病历摘要") == [] and found(officer, "病历摘要") == [("evidence", renhe)]
    assert ("case", renhe) in found(officer, world["renhe"].case_number)
    assert found(officer, "91350100m000100y43") == found(officer, "91350100M000100Y43") \
        == [("case", renhe)]  # the credit code, either case
    hit = search(officer, SearchFilters(q="挂床")).hits[0]
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["挂床"]
    assert "<mark>挂床</mark>住院患者" in hit.snippet_html


def test_documents_cases_and_filters_combine(people, world):
    officer, renhe, kangning = people["officer"], world["renhe"].id, world["kangning"].id
    documents = search(officer, SearchFilters(q="串换", kind="document")).hits
    assert [(h.case_id, h.title.split()[0]) for h in documents] == [(renhe, "立案审批表")]  # an issued document
    assert ("case", renhe) in found(officer, "串换药品 林志远")  # cause and officer's name, AND-ed
    assert sorted(found(officer, "串换", kind="case")) == [("case", renhe), ("case", kangning)]
    assert found(officer, "串换", kind="case", party="仁和") == [("case", renhe)]
    assert found(officer, "串换", kind="case", party="91110000802100433B") == [("case", kangning)]
    assert found(officer, "串换", kind="case", filed_from=date(2025, 2, 12), filed_to=date(2025, 2, 12),
                 state="investigating", officer="陈晓梅") == [("case", renhe)]
    assert found(officer, "串换", filed_from=date(2025, 2, 13)) == []
    assert found(officer, "串换", kind="case", officer="黄建华") == []
    assert sorted(found(officer, state="clue_registered")) == [("case", kangning), ("case", world["reported"].id)]
    assert found(officer, kind="case", cause="串换药品", party="康宁") == [("case", kangning)]
    assert found(officer, case_number=world["renhe"].case_number) == [("case", renhe)]


def test_amount_and_decision_date_filters(people, parties):
    onsite = cases.register_onsite_case(people["officer"], party_id=parties[PHARMACY].id, summary="现场发现未公示医保标识。")
    act(onsite, "decide_on_spot", date(2025, 5, 6), people, fine_amount=Decimal("2000.00"))
    officer = people["officer"]
    assert found(officer, "医保标识", kind="case", amount_min=Decimal("1500"), amount_max=Decimal("2000")) == \
        [("case", onsite.id)]
    assert found(officer, "医保标识", amount_min=Decimal("2000.01")) == []
    assert found(officer, kind="case", decided_from=date(2025, 5, 6), decided_to=date(2025, 5, 6)) == \
        [("case", onsite.id)]
    assert found(officer, kind="case", decided_to=date(2025, 5, 5)) == []


def test_scope_patient_level_text_and_the_reporter_never_leak(people, world):
    renhe, gl, fz = world["renhe"].id, people["gl_officer"], people["officer"]
    assert found(gl, "挂床") == [("case", world["gulou"].id)]  # the gl clue's cause only
    assert found(gl, world["renhe"].case_number) == [] and found(gl, "仁和") == []
    assert ("case", world["gulou"].id) not in found(fz, "挂床")
    assert found(people["archivist"], "串换") == []  # archivists see closed and archived cases only
    for username in ("officer", "officer2", "reviewer", "head"):  # assigned officers, legal reviewer, head
        assert found(people[username], "病历摘要") == [("evidence", renhe)], username
    assert found(people["officer3"], "病历摘要") == []  # same organisation, not on the case
    assert found(people["officer3"], "挂床") == [("evidence", renhe)]
    for username in ("officer", "head"):
        assert found(people[username], "钱多多") == [] and found(people[username], "13800000000") == []
    assert db.session.execute(select(SearchEntry.id).where(SearchEntry.body.contains("钱多多"))).all() == []


def test_pagination_and_the_index_following_acts(people, world):
    officer, renhe = people["officer"], world["renhe"]
    everything = search(officer, SearchFilters(q="串换"), per_page=100)
    assert everything.total >= 3 and not everything.capped
    pages = [search(officer, SearchFilters(q="串换"), page=p, per_page=1) for p in range(1, everything.total + 1)]
    assert [(h.kind, h.ref_id) for r in pages for h in r.hits] == [(h.kind, h.ref_id) for h in everything.hits]
    assert pages[0].pages == everything.total
    with pytest.raises(ValidationFailed, match="请输入检索词"):
        search(officer, SearchFilters(q=" ， "))
    act(renhe, "conclude_investigation", date(2025, 2, 24), people)
    assert found(officer, "串换", kind="case", state="investigation_concluded") == [("case", renhe.id)]
    with pytest.raises(ValidationFailed):  # refused (no collectors): nothing of it reaches the index
        evidence.register_evidence(renhe.id, {**item_form(people, "空白", "独一无二的描述文字"), "collected_by": []},
                                   people["officer"])
    assert found(officer, "独一无二") == []


def test_api_search_and_its_422_errors(client, people, world):
    api = Api(client, people)
    body = api.ok(api.get("officer", "/search?q=挂床&kind=evidence&per_page=5"))
    assert body["total"] == 1 and body["capped"] is False and body["pages"] == 1
    item = body["items"][0]
    assert item["case_number"] == world["renhe"].case_number and item["document"] == "证据1：住院部现场检查照片"
    assert [item["snippet"][a:b] for a, b in item["highlights"]] == ["挂床"]
    assert "<mark>挂床</mark>" in item["snippet_html"]
    assert api.ok(api.get("gl_officer", "/search?q=挂床&kind=evidence"))["items"] == []
    for query, field in (("q=挂床&filed_from=2025-13-01", "filed_from"), ("q=挂床&per_page=101", "per_page"),
                         ("q=挂床&kind=photo", "kind"), ("q=挂床&colour=red", "colour"), ("q=", "q"),
                         ("q=挂床&filed_from=2025-03-01&filed_to=2025-02-01", "filed_to"),
                         ("q=挂床&amount_min=abc", "amount_min"), ("q=挂床&page=51", "page")):
        error = assert_error(api.get("officer", f"/search?{query}"), 422)
        assert field in error["details"], (query, error)


def test_web_search_page(client, people, world):
    login(client, "officer")
    page = client.get("/search?q=挂床")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<mark>挂床</mark>" in html and "找到 1 条" in html
    assert f"/cases/{world['renhe'].id}" in html and "住院部现场检查照片" in html
    bad = client.get("/search?q=挂床&filed_from=2025-03-01&filed_to=2025-02-01")
    assert bad.status_code == 422 and "截止日期不能早于起始日期" in bad.get_data(as_text=True)
    assert "请输入检索词或至少一个筛选条件" in client.get("/search?q=%EF%BC%8C").get_data(as_text=True)
    assert client.get("/search").status_code == 200


def test_cli_prints_json_lines_and_reindex_rebuilds(app, people, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["caseflow", "search", "挂床"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    kinds = {(line["kind"], line["case_number"]) for line in lines}
    assert ("evidence", world["renhe"].case_number) in kinds and ("case", None) in kinds  # everything: gl too
    assert all({"case_number", "document", "snippet"} <= set(line) for line in lines)
    scoped = runner.invoke(args=["caseflow", "search", "挂床", "--user", "gl_officer"])
    assert [json.loads(line)["case_id"] for line in scoped.output.splitlines()] == [world["gulou"].id]
    before = sorted(db.session.execute(select(SearchEntry.kind, SearchEntry.ref_id, SearchEntry.tokens)).all())
    rebuilt = runner.invoke(args=["caseflow", "search-reindex"])
    assert rebuilt.exit_code == 0 and "检索索引已重建：4 个案件" in rebuilt.output, rebuilt.output
    db.session.expire_all()
    assert sorted(db.session.execute(select(SearchEntry.kind, SearchEntry.ref_id, SearchEntry.tokens)).all()) == before
    assert runner.invoke(args=["caseflow", "search", "挂床", "--user", "nobody"]).exit_code == 1
