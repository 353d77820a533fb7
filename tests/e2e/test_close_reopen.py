"""politi closes the demo incident through the confirmation page (keeping the default end time, now), sees it
closed with the closing in its history, reopens it giving a reason, and sees it active with both history
lines. Keyboard only where it matters: the reason is typed into the field its label names."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.incidents.models import Incident
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import SUBMIT_EMPTY, VIEWPORTS, scan


def test_close_with_the_default_end_time_then_reopen_with_a_reason(page, live_server):
    sign_in(page, live_server, "politi")
    page.get_by_role("link", name="Hændelser").first.click()
    page.get_by_role("link", name=DEMO_TITLE).click()
    expect(page.get_by_role("heading", name=DEMO_TITLE)).to_be_visible()
    expect(page.get_by_text("Hændelsen har ikke været afsluttet.")).to_be_visible()

    page.get_by_role("link", name="Afslut hændelse").click()  # a confirmation page, nothing closed yet
    expect(page.get_by_role("heading", name=f"Afslut hændelsen: {DEMO_TITLE}")).to_be_visible()
    expect(page.get_by_text("At afslutte hændelsen betyder:")).to_be_visible()
    end_time = page.get_by_label("Sluttidspunkt (dansk tid)")
    default = end_time.input_value()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?", default), default
    page.get_by_role("button", name="Afslut hændelse").click()

    expect(page.get_by_text("Hændelsen er afsluttet.")).to_be_visible()
    date, clock = default.split("T")
    year, month, day = date.split("-")
    shown_end = f"{day}.{month}.{year} {clock[:5]}"
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(f"Afsluttet {shown_end}")
    history = page.locator("ol.incident-history li")
    expect(history).to_have_count(1)
    expect(history.nth(0)).to_contain_text(re.compile(r"Afsluttet \d\d\.\d\d\.\d{4} \d\d:\d\d af .+; sluttidspunkt "
                                                      + re.escape(shown_end)))
    expect(page.get_by_role("link", name="Registrér beslutning")).to_have_count(0)

    page.get_by_role("link", name="Genåbn hændelse").click()
    expect(page.get_by_role("heading", name=f"Genåbn hændelsen: {DEMO_TITLE}")).to_be_visible()
    reason = page.get_by_label("Begrundelse for genåbning")
    reason.focus()
    page.keyboard.type("Nyt skybrud varslet")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Genåbn hændelse")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Hændelsen er genåbnet.")).to_be_visible()
    expect(facts).to_contain_text("Aktiv")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text(f"sluttidspunkt {shown_end}")
    expect(history.nth(1)).to_contain_text(re.compile(
        r"Genåbnet \d\d\.\d\d\.\d{4} \d\d:\d\d af .+ med begrundelsen: Nyt skybrud varslet"))
    expect(page.get_by_role("link", name="Registrér beslutning")).to_be_visible()


@pytest.fixture
def scanned_page(browser):
    # axe is injected through the DevTools protocol; the app's strict CSP stays on for the app's own scripts.
    context = browser.new_context(bypass_csp=True, viewport=VIEWPORTS[0])
    yield context.new_page()
    context.close()


def test_the_closing_and_reopening_pages_pass_the_accessibility_scan(scanned_page, live_server):
    """The confirmation page and the reason form (empty and with their error states), the closed incident's
    page with its history, and the review page showing the history: no serious violation."""
    page = scanned_page
    sign_in(page, live_server, "politi")
    with live_server.app.app_context():
        incident_id = db.session.scalars(select(Incident.id).where(Incident.title == DEMO_TITLE)).one()
        db.session.remove()
    base = f"{live_server.url}/incidents/{incident_id}"
    problems: list[str] = []
    page.goto(f"{base}/close")
    problems += scan(page)
    with page.expect_navigation():
        page.evaluate(SUBMIT_EMPTY, "main form[method=post]")
    expect(page.locator(".error-summary")).to_contain_text("Angiv sluttidspunktet.")
    problems += scan(page)
    page.goto(f"{base}/close")  # the default end time again
    page.get_by_role("button", name="Afslut hændelse").click()
    expect(page.get_by_text("Hændelsen er afsluttet.")).to_be_visible()
    problems += scan(page)
    page.goto(f"{base}/reopen")
    problems += scan(page)
    with page.expect_navigation():
        page.evaluate(SUBMIT_EMPTY, "main form[method=post]")
    expect(page.locator(".error-summary")).to_contain_text("Angiv begrundelsen for at genåbne hændelsen.")
    problems += scan(page)
    page.get_by_label("Begrundelse for genåbning").fill("Tilgængelighedstest")
    page.get_by_role("button", name="Genåbn hændelse").click()
    expect(page.get_by_text("Hændelsen er genåbnet.")).to_be_visible()
    page.goto(f"{live_server.url}/review/incidents/{incident_id}")
    expect(page.locator("ol.incident-history li").last).to_contain_text("med begrundelsen: Tilgængelighedstest")
    problems += scan(page)
    assert not problems, "\n".join(problems)
