"""Administration pages: organisations, users (deactivated, never deleted), the working calendar."""
from conftest import login

from caseflow.auth.models import Organisation, User
from caseflow.deadlines.models import CalendarDay
from caseflow.extensions import db


def text(response) -> str:
    return response.get_data(as_text=True)


def test_only_admins_reach_administration(client, people):
    login(client, "head")
    for url in ("/admin/users", "/admin/users/new", "/admin/organisations", "/admin/calendar"):
        assert client.get(url).status_code == 403, url
    assert client.post("/admin/calendar", data={"day": "2027-02-06", "is_working_day": "true",
                                                "note": "调休"}).status_code == 403


def test_create_and_edit_an_organisation(client, people):
    login(client, "admin")
    page = text(client.get("/admin/organisations"))
    assert "福州市鼓楼区医疗保障局" in page and "榕" in page
    city = db.session.query(Organisation).filter_by(doc_prefix="榕").one()

    response = client.post("/admin/organisations/new", data={
        "name": "福州市台江区医疗保障局", "short_name": "台江区医保局", "doc_prefix": "台", "level": "county",
        "parent_id": "", "case_number_pattern": "{prefix}医保立〔{year}〕{n}号"})
    assert response.status_code == 422
    page = text(response)
    assert "上级单位须为上一层级" in page and 'value="福州市台江区医疗保障局"' in page

    response = client.post("/admin/organisations/new", data={
        "name": "福州市台江区医疗保障局", "short_name": "台江区医保局", "doc_prefix": "台", "level": "county",
        "parent_id": city.id, "case_number_pattern": "{prefix}医保立〔{year}〕{n}号"})
    assert response.status_code == 303
    org = db.session.query(Organisation).filter_by(name="福州市台江区医疗保障局").one()
    assert org.parent_id == city.id
    assert "福州市台江区医疗保障局" in text(client.get("/admin/organisations"))

    page = text(client.get(f"/admin/organisations/{org.id}/edit"))
    assert 'value="台江区医保局"' in page
    response = client.post(f"/admin/organisations/{org.id}/edit", data={
        "name": "福州市台江区医疗保障局", "short_name": "台江医保", "doc_prefix": "台", "level": "county",
        "parent_id": city.id, "case_number_pattern": "{prefix}医保罚〔{year}〕{n}号"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).short_name == "台江医保"
    response = client.post(f"/admin/organisations/{org.id}/edit", data={
        "name": "福州市台江区医疗保障局", "short_name": "台江医保", "doc_prefix": "台", "level": "county",
        "parent_id": city.id, "case_number_pattern": "没有序号"})
    assert response.status_code == 422 and "案号格式须包含" in text(response)
    assert client.get("/admin/organisations/99999/edit").status_code == 404


def test_create_edit_and_deactivate_a_user(client, people):
    login(client, "admin")
    city = people["officer"].organisation_id
    response = client.post("/admin/users/new", data={
        "username": "officer9", "name": "赵新", "password": "longpassword9", "organisation_id": city,
        "roles": ["officer"], "credential_no": "", "credential_valid_from": "", "credential_valid_until": ""})
    assert response.status_code == 422
    page = text(response)
    assert "执法人员须填写执法证号" in page and 'value="officer9"' in page and 'value="officer" checked' in page

    response = client.post("/admin/users/new", data={
        "username": "officer", "name": "重名", "password": "longpassword9", "organisation_id": city,
        "roles": ["legal_reviewer"]})
    assert response.status_code == 409 and "用户名已存在" in text(response)

    response = client.post("/admin/users/new", data={
        "username": "officer9", "name": "赵新", "password": "longpassword9", "organisation_id": city,
        "roles": ["officer"], "credential_no": "35010020239999", "credential_valid_from": "2026-01-01",
        "credential_valid_until": "2029-12-31"})
    assert response.status_code == 303
    user = db.session.query(User).filter_by(username="officer9").one()
    page = text(client.get("/admin/users"))
    assert "赵新" in page and "35010020239999" in page

    page = text(client.get(f"/admin/users/{user.id}/edit"))
    assert 'value="赵新"' in page and "2029-12-31" in page
    response = client.post(f"/admin/users/{user.id}/edit", data={
        "name": "赵新", "password": "", "organisation_id": city, "roles": ["officer", "legal_reviewer"],
        "credential_no": "35010020239999", "credential_valid_from": "2026-01-01",
        "credential_valid_until": "2029-12-31", "active": ["false", "true"]})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user.id).roles == {"officer", "legal_reviewer"}

    client.post("/logout")
    login(client, "officer9", "longpassword9")
    client.post("/logout")
    login(client, "admin")
    response = client.post(f"/admin/users/{user.id}/deactivate")
    assert response.status_code == 303
    assert "已停用" in text(client.get("/admin/users"))
    assert db.session.query(User).filter_by(username="officer9").count() == 1  # never deleted
    client.post("/logout")
    response = client.post("/login", data={"username": "officer9", "password": "longpassword9"})
    assert response.status_code == 422


def test_admin_cannot_deactivate_themself(client, people):
    login(client, "admin")
    client.post(f"/admin/users/{people['admin'].id}/deactivate")
    page = text(client.get("/admin/users"))
    assert "不能停用自己的账号" in page
    db.session.expire_all()
    assert db.session.get(User, people["admin"].id).active


def test_calendar_days_are_entered_and_listed(client, people):
    login(client, "admin")
    response = client.post("/admin/calendar", data={"day": "2027-02-30", "is_working_day": "true", "note": "x"})
    assert response.status_code == 422 and "日期格式应为 YYYY-MM-DD" in text(response)
    response = client.post("/admin/calendar", data={"day": "2027-02-07", "is_working_day": "true", "note": ""})
    assert response.status_code == 422 and "请填写说明" in text(response)
    response = client.post("/admin/calendar", data={"day": "2027-02-07", "is_working_day": "true",
                                                    "note": "2027年春节调休上班"})
    assert response.status_code == 303
    page = text(client.get("/admin/calendar"))
    assert "2027-02-07" in page and "2027年春节调休上班" in page and "工作日" in page
    assert db.session.query(CalendarDay).count() == 1
