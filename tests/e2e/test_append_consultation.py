"""politi opens a decision whose approval by the Kommunaldirektør is missing, appends the approval with
"Tilføj høring" (the Kommunaldirektør called back afterwards), and sees the requirement met: the missing marker
goes away and the consultation is listed as added afterwards."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select

from lbs.consultation.facts import DecisionType
from lbs.decisions import log, verification
from lbs.decisions.draft import CostDraft, DecisionDraft
from lbs.decisions.models import CostCategory
from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.organisations.models import Organisation
from lbs.staffs.models import Person
from lbs.timeutil import utcnow
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import csp_free_page, scan  # noqa: F401  (the fixture)


def _decision_missing_an_approval(app) -> int:
    """A decision in the demo incident with a Herning cost between T1 and T2: R5 requires the Kommunaldirektør's
    approval, and nobody was consulted."""
    with app.app_context():
        incident = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
        herning = db.session.scalars(select(Organisation.id).where(Organisation.name == "Herning Kommune")).one()
        person = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
        draft = DecisionDraft(
            staff="LBS-O", decided_at=utcnow() - timedelta(minutes=2), decided_by_id=person, owner_id=herning,
            type=DecisionType.RESOURCE_REQUEST, title="Forplejning af evakuerede",
            decision="Herning Kommune sørger for forplejning.", rationale="Mange evakuerede på skolen.",
            costs=[CostDraft(herning, CostCategory.CATERING, Decimal("90000.00"))])
        decision_id = log.log_decision(incident=incident, draft=draft, by=None).decision.id
        db.session.commit()
        db.session.remove()
    return decision_id


def test_an_appended_approval_turns_the_requirement_met(page, live_server):
    decision_id = _decision_missing_an_approval(live_server.app)
    sign_in(page, live_server, "politi")
    page.goto(f"{live_server.url}/decisions/{decision_id}")
    missing = page.locator(".missing-consultations")
    expect(missing).to_contain_text("Kommunaldirektør, Herning Kommune")

    form = page.locator("section.append-consultation")
    expect(form.get_by_role("heading", name="Tilføj høring")).to_be_visible()
    # The outcome has no default: the person must choose.
    expect(form.locator('[name="outcome"]')).to_have_value("")
    expect(form.locator('[name="consulted_at"]')).not_to_have_value("")
    form.locator('[name="party"]').select_option("657:kommunaldirektoer")
    form.locator('[name="mode"]').select_option("approve")
    form.locator('[name="outcome"]').select_option("agreed")
    form.get_by_label("Kanal").fill("telefon")
    form.get_by_role("button", name="Tilføj høring").click()

    expect(page.get_by_text("Høring tilføjet til beslutning")).to_be_visible()
    expect(page.locator("li.appended-consultation")).to_contain_text("Kommunaldirektør, Herning Kommune")
    expect(page.locator("li.appended-consultation")).to_contain_text("tilføjet efterfølgende")
    expect(page.locator(".missing-consultations", has_text="Kommunaldirektør, Herning Kommune")).to_have_count(0)
    with live_server.app.app_context():
        incident = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
        assert verification.verify_incident(incident).ok
        db.session.remove()


def test_the_form_and_its_error_page_pass_the_accessibility_scan(csp_free_page, live_server):  # noqa: F811
    """axe-core finds no serious violation on the decision page with the form, nor on the page that shows the
    form's errors (the outcome left unchosen), which names the missing choice in Danish."""
    page = csp_free_page
    decision_id = _decision_missing_an_approval(live_server.app)
    sign_in(page, live_server, "politi")
    page.goto(f"{live_server.url}/decisions/{decision_id}")
    problems = scan(page)
    form = page.locator("section.append-consultation")
    form.locator('[name="party"]').select_option("657:kommunaldirektoer")
    form.locator('[name="mode"]').select_option("approve")
    form.get_by_role("button", name="Tilføj høring").click()
    expect(page.locator(".error-summary")).to_contain_text("Vælg udfaldet.")
    problems += scan(page)
    assert not problems, "\n".join(problems)
