"""Pages that update themselves, in two browsers at once: politi watches the demo incident while a decision is
logged elsewhere, herning watches its consultation requests while politi proposes a decision. Each sees it within
5 s without a reload, the focus stays where it was, the polite status says what changed, and axe finds nothing
serious on the incident page with its live regions."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from lbs.auth import services
from lbs.auth.models import User
from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.hearing import proposals
from lbs.incidents.models import Incident
from tests.decisions.test_api import body as decision_body
from tests.e2e.conftest import LiveServer, sign_in
from tests.e2e.test_accessibility import _scan_once
from tests.hearing.conftest import proposal_body

DECISION = "Live: afspærring af Bredgade"
PROPOSAL = "Live: evakuering af Sunds"
WITHIN = 5_000  # ms: a poll every 3 s, then the page fetched once


def _incident_id(server: LiveServer) -> int:
    with server.app.app_context():
        found = db.session.scalars(select(Incident.id).where(Incident.title == DEMO_TITLE)).one()
        db.session.remove()
        return found


def _log_decision(server: LiveServer, incident_id: int, title: str = DECISION) -> None:
    """politi logs a decision through the API, as another screen would."""
    with server.app.app_context():
        token = services.issue_token(username="politi")
        db.session.commit()
        data = decision_body(title=title)
        db.session.remove()
    response = server.app.test_client().post(f"/api/v1/incidents/{incident_id}/decisions", json=data,
                                              headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()


def _propose(server: LiveServer) -> None:
    with server.app.app_context():
        incident = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
        politi = db.session.scalars(select(User).where(User.username == "politi")).one()
        proposals.propose(incident=incident, data=proposal_body(title=PROPOSAL), by=politi)
        db.session.commit()
        db.session.remove()


def _focused(page: Any) -> str:
    return str(page.evaluate("() => document.activeElement && document.activeElement.getAttribute('name')"))


def test_the_incident_page_and_the_request_list_update_themselves(browser: Any, live_server: LiveServer) -> None:
    incident_id = _incident_id(live_server)
    police_context, herning_context = browser.new_context(), browser.new_context()
    try:
        police, herning = police_context.new_page(), herning_context.new_page()
        sign_in(police, live_server, "politi")
        police.goto(f"{live_server.url}/incidents/{incident_id}")
        sign_in(herning, live_server, "herning")
        herning.goto(f"{live_server.url}/consultation-requests")
        expect(herning.locator("[data-live='requests-list']")).to_be_visible()
        assert PROPOSAL not in herning.content()

        # politi is about to record an activation: the focus is in that form, outside the live regions.
        police.locator('[name="readiness"]').focus()
        status = police.locator("#live-status")
        expect(status).to_have_text("")
        _log_decision(live_server, incident_id)
        row = police.locator(".decision-row", has_text=DECISION)
        expect(row).to_be_visible(timeout=WITHIN)
        expect(status).to_have_text("Siden er opdateret: ny beslutning", timeout=1_000)
        assert _focused(police) == "readiness"
        assert police.evaluate("() => performance.getEntriesByType('navigation').length") == 1  # no reload

        nav = police.locator("[data-live='nav-hearings'] .nav-count")
        waiting = int(nav.inner_text().split()[0]) if nav.count() else 0
        _propose(live_server)
        expect(herning.locator("[data-live='requests-list']").get_by_text(PROPOSAL).first).to_be_visible(
            timeout=WITHIN)
        expect(herning.locator("#live-status")).to_contain_text("Siden er opdateret", timeout=1_000)
        # The navigation's count followed on the incident page as well (politi answers for parties outside the
        # municipalities; the fire service is asked).
        expect(nav).to_contain_text(str(waiting + 1), timeout=WITHIN)
        expect(status).to_contain_text("høringer, der venter på dit svar", timeout=1_000)
        expect(status).to_contain_text("beslutningsforslag ændret")

        assert _scan_once(police) == []
    finally:
        police_context.close()
        herning_context.close()


def test_polling_stops_when_signed_out(browser: Any, live_server: LiveServer) -> None:
    """Signed out in another tab: the next poll gets 401 and the page stops asking."""
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, live_server, "politi")
        page.goto(f"{live_server.url}/incidents/{_incident_id(live_server)}")
        asked: list[int] = []
        page.on("response", lambda r: asked.append(r.status) if "/live/" in r.url else None)
        page.wait_for_timeout(3_500)
        assert asked and set(asked) == {304}, asked
        context.clear_cookies()
        page.wait_for_timeout(3_500)
        assert asked[-1] == 401, asked
        count = len(asked)
        page.wait_for_timeout(3_500)
        assert len(asked) == count, "polled after a 401"
    finally:
        context.close()


def test_a_region_holding_the_focus_waits_until_the_user_leaves_it(browser: Any, live_server: LiveServer) -> None:
    """Keyboard users keep their place: the timeline is not swapped while a link in it has the focus."""
    incident_id = _incident_id(live_server)
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, live_server, "politi")
        page.goto(f"{live_server.url}/incidents/{incident_id}")
        link = page.locator("[data-live='incident-timeline'] .decision-row a").first
        link.focus()
        _log_decision(live_server, incident_id, title="Live: mens fokus er i tabellen")
        page.wait_for_timeout(4_500)  # at least one poll saw the change
        assert page.locator(".decision-row", has_text="Live: mens fokus er i tabellen").count() == 0
        assert page.evaluate("() => document.activeElement.closest('[data-live]').dataset.live") == \
            "incident-timeline"
        page.locator('[name="readiness"]').focus()
        expect(page.locator(".decision-row", has_text="Live: mens fokus er i tabellen")).to_be_visible(
            timeout=WITHIN)
    finally:
        context.close()
