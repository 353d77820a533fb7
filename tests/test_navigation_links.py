"""Navigation to everything: the rules page, compliance and notifications are linked from the pages people use,
and the deep pages carry a breadcrumb trail (the last crumb the page itself, marked aria-current)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from lbs.consultation.hearings import ConsultationRequest
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.staffs.models import Person, Position
from tests import factories
from tests.hearing.conftest import proposal_body

CRUMBS = re.compile(r'<nav aria-label="Brødkrumme" class="breadcrumbs[^"]*">\s*<ol>(.*?)</ol>', re.S)


def _crumbs(html: str) -> list[str]:
    """The crumbs' texts, the page itself (aria-current) marked with a leading "*"."""
    found = CRUMBS.search(html)
    assert found, "no breadcrumb trail"
    items = re.findall(r"<li>(.*?)</li>", found.group(1), re.S)
    texts = []
    for item in items:
        text = re.sub(r"<[^>]+>", "", item).strip()
        texts.append(f"*{text}" if 'aria-current="page"' in item else text)
    return texts


def _demo_decision() -> Decision:
    incident_id = db.session.scalar(select(Incident.id).where(Incident.exercise.is_(False)).order_by(Incident.id))
    return db.session.scalars(select(Decision).where(Decision.incident_id == incident_id)
                              .order_by(Decision.number)).first()  # type: ignore[return-value]


def test_admin_reaches_the_rules_page_from_the_admin_pages_and_the_graph(app, login):
    client = login("admin")
    for page in ("/admin/users", "/consultation/"):
        assert 'href="/consultation/rules"' in client.get(page).get_data(as_text=True), page
    rules = client.get("/consultation/rules").get_data(as_text=True)
    assert 'href="/consultation/rules" aria-current="page"' in rules  # the admin menu marks where one is
    assert 'href="/consultation/rules/new"' in rules


def test_others_get_no_link_to_the_rules_page(app, login):
    page = login("politi").get("/consultation/").get_data(as_text=True)
    assert 'href="/consultation/rules"' not in page


def test_compliance_is_linked_from_the_incident_and_its_review(app, login):
    decision = _demo_decision()
    compliance = f'href="/consultation/incidents/{decision.incident_id}/compliance"'
    assert compliance in login("politi").get(f"/incidents/{decision.incident_id}").get_data(as_text=True)
    client = login("revisor")
    assert compliance in client.get(f"/review/incidents/{decision.incident_id}").get_data(as_text=True)
    page = client.get(f"/consultation/incidents/{decision.incident_id}/compliance")
    assert page.status_code == 200
    incident = db.session.get(Incident, decision.incident_id)
    assert _crumbs(page.get_data(as_text=True)) == ["Hændelser", incident.title, "*Overholdelse af høringer"]


def test_notifications_are_linked_from_every_page(app, login):
    client = login("herning")
    for page in ("/", "/incidents/", "/consultation/"):
        assert 'href="/notifications"' in client.get(page).get_data(as_text=True), page


def test_decision_and_its_consultation_page_carry_breadcrumbs(app, login):
    decision = _demo_decision()
    client = login("politi")
    html = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    crumbs = _crumbs(html)
    incident = db.session.get(Incident, decision.incident_id)
    assert crumbs == ["Hændelser", incident.title, f"*Beslutning {decision.number}: {decision.title}"]
    assert f'<a href="/incidents/{decision.incident_id}">' in CRUMBS.search(html).group(1)
    assert html.count('aria-current="page"') >= 1
    append = client.post(f"/decisions/{decision.id}/consultations", data={})  # sent back with its errors
    assert append.status_code == 422
    assert _crumbs(append.get_data(as_text=True)) == [*crumbs[:2], crumbs[2].lstrip("*"), "*Tilføj høring"]


def test_roster_pages_carry_breadcrumbs(app, login):
    client = login("admin")
    position = db.session.scalars(select(Position).order_by(Position.id)).first()
    person = db.session.scalars(select(Person).order_by(Person.id)).first()
    assert position is not None and person is not None
    code = position.staff.code
    assert _crumbs(client.get(f"/staffs/positions/{position.id}").get_data(as_text=True)) == [
        "Bemanding", code, f"*Historik: {position.title}"]
    assert _crumbs(client.get(f"/staffs/positions/{position.id}/assign").get_data(as_text=True)) == [
        "Bemanding", code, position.title, "*Tildel en person"]
    assert _crumbs(client.get(f"/staffs/positions/{position.id}/edit").get_data(as_text=True))[-1] == "*Redigér plads"
    edit_person = _crumbs(client.get(f"/staffs/people/{person.id}/edit").get_data(as_text=True))
    assert edit_person == ["Bemanding", "Personer", f"*Redigér person: {person.name}"]
    assert _crumbs(client.get("/staffs/people/new").get_data(as_text=True))[-1] == "*Ny person"


def test_proposal_and_request_pages_carry_breadcrumbs(app, api_as, login):
    incident = factories.incident()
    db.session.commit()
    created: dict[str, Any] = api_as("politi").post(f"/api/v1/incidents/{incident.id}/proposals",
                                                    json=proposal_body()).get_json()
    client = login("politi")
    crumbs = _crumbs(client.get(f"/proposals/{created['id']}").get_data(as_text=True))
    assert crumbs[:2] == ["Hændelser", incident.title] and crumbs[-1] == "*Forslag: Evakuering af Sunds"
    asked = db.session.scalars(select(ConsultationRequest)
                               .where(ConsultationRequest.proposal_id == created["id"])).first()
    assert asked is not None
    page = client.get(f"/consultation-requests/{asked.id}").get_data(as_text=True)
    assert _crumbs(page) == ["Høringer", "*Høringsanmodning: Evakuering af Sunds"]


def test_the_rule_editor_carries_breadcrumbs(app, login):
    page = login("admin").get("/consultation/rules/new").get_data(as_text=True)
    assert _crumbs(page)[-1] == "*Ny høringsregel"
    assert 'href="/consultation/rules"' in CRUMBS.search(page).group(1)
