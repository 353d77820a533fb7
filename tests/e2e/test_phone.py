"""A phone (390 × 844, issue 24): the decision form fits without sideways scrolling and is logged with the
keyboard alone; the main pages never scroll sideways (wide tables scroll inside their own labelled region);
checkboxes are at least 24 × 24 px; axe finds nothing serious or critical."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lbs.decisions.models import CostLine, Decision
from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.incidents.models import Incident
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import _scan_once
from tests.e2e.test_keyboard import choose, keyboard_sign_in, named, open_demo_incident, tab_to, text, type_into
from tests.e2e.test_layouts import OVERFLOW

PHONE = {"width": 390, "height": 844}

# Every table in main sits in a focusable region (role=region, labelled) that scrolls sideways on its own.
UNWRAPPED_TABLES = """() => Array.from(document.querySelectorAll("main table")).filter(table => {
  const region = table.closest("[role=region]");
  return !region || region.tabIndex !== 0 || getComputedStyle(region).overflowX !== "auto"
    || !(region.getAttribute("aria-labelledby") || region.getAttribute("aria-label"));
}).map(table => (table.caption ? table.caption.textContent : "table").trim().slice(0, 60))"""


def _paths(app) -> dict[str, str]:
    with app.app_context():
        incident = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
        line = db.session.scalars(select(CostLine).where(CostLine.incident_id == incident.id)
                                  .order_by(CostLine.id)).first()
        decision = db.session.scalars(select(Decision).where(Decision.incident_id == incident.id)
                                      .order_by(Decision.number)).first()
        assert line is not None and decision is not None
        return {"incident": f"/incidents/{incident.id}", "new": f"/incidents/{incident.id}/decisions/new",
                "decision": f"/decisions/{decision.id}", "line": f"/costs/lines/{line.id}",
                "ledger": f"/costs/incidents/{incident.id}", "review": f"/review/incidents/{incident.id}"}


PAGES = {
    "politi": ["/", "/staffs/LBS-S", "/incidents", "incident", "new", "decision", "/consultation/"],
    "herning": ["/costs/", "line", "ledger"],
    "revisor": ["/review/", "review"],
}


@pytest.fixture
def phone(browser):
    # axe is injected through the DevTools protocol; the app's strict CSP stays on for the app's own scripts.
    context = browser.new_context(bypass_csp=True, viewport=PHONE)
    yield context.new_page()
    context.close()


def test_the_decision_form_fits_a_phone(phone, live_server):
    sign_in(phone, live_server, "politi")
    phone.goto(live_server.url + _paths(live_server.app)["new"])
    result = phone.evaluate(OVERFLOW)
    assert result["page"] <= 0 and not result["out"], result
    # One cost row and one consultation row: the submit button is not thousands of pixels down.
    height = phone.evaluate("() => document.documentElement.scrollHeight")
    assert height < 4000, height
    boxes = phone.evaluate("""() => Array.from(document.querySelectorAll(
        "main input[type=checkbox], main input[type=radio]")).map(el => {
          const r = el.getBoundingClientRect(); return [el.name, r.width, r.height]; })""")
    assert boxes and all(w >= 24 and h >= 24 for _, w, h in boxes), boxes
    # "Add a row" adds a row in the page, focused, without reloading.
    phone.get_by_role("button", name="Tilføj en udgiftslinje").click()
    expect(phone.locator("[name='costs-1-bearer']")).to_be_focused()
    assert phone.evaluate(OVERFLOW)["page"] <= 0


def test_a_plain_decision_logged_with_the_keyboard_on_a_phone(phone, live_server):
    keyboard_sign_in(phone, live_server, "politi")
    open_demo_incident(phone, live_server)
    tab_to(phone, text(r"^Registrér beslutning$"))
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    sideways = "() => window.scrollX"
    tab_to(phone, named("staff"))
    choose(phone, value="LBS-S")
    tab_to(phone, named("decided_by"))
    choose(phone, label="Politidirektør")
    tab_to(phone, named("owner"))
    choose(phone, label="Herning Kommune")
    type_into(phone, "title", "Afspærring af havnen")
    type_into(phone, "decision", "Havnen afspærres.")
    type_into(phone, "rationale", "Højvande.")
    assert phone.evaluate(sideways) == 0
    tab_to(phone, lambda i: i["tag"] == "button" and i["type"] == "submit" and "Registrér beslutning" in i["text"])
    assert phone.evaluate(sideways) == 0
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    expect(phone.locator(".flashes")).to_contain_text("er registreret")
    assert phone.evaluate(sideways) == 0


@pytest.mark.parametrize("username", sorted(PAGES))
def test_no_page_scrolls_sideways_on_a_phone(phone, live_server, username):
    paths = _paths(live_server.app)
    sign_in(phone, live_server, username)
    problems = []
    for key in PAGES[username]:
        phone.goto(live_server.url + paths.get(key, key))
        result = phone.evaluate(OVERFLOW)
        if result["page"] > 0 or result["out"]:
            problems.append(f"{key}: page wider by {result['page']}px; {result['out']}")
        problems += [f"{key}: table not in a scrolling region: {t}" for t in phone.evaluate(UNWRAPPED_TABLES)]
        problems += _scan_once(phone)
    assert not problems, "\n".join(problems)


def test_the_review_page_does_not_scroll_sideways_on_a_desktop_either(phone, live_server):
    sign_in(phone, live_server, "revisor")
    phone.set_viewport_size({"width": 1280, "height": 800})
    for key in ("/review/", _paths(live_server.app)["review"]):
        phone.goto(live_server.url + key)
        result = phone.evaluate(OVERFLOW)
        assert result["page"] <= 0 and not result["out"], (key, result)


def test_the_language_switch_keeps_the_page_and_the_input(phone, live_server):
    sign_in(phone, live_server, "politi")
    url = live_server.url + _paths(live_server.app)["new"]
    phone.goto(url)
    phone.get_by_label("Titel").fill("Min titel")
    phone.get_by_role("button", name="Registrér beslutning").click()
    expect(phone.locator("#error-summary")).to_be_visible()  # the form failed: shown again after the POST
    phone.get_by_role("button", name="English").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Log decision")
    expect(phone.get_by_label("Title", exact=True)).to_have_value("Min titel")
    phone.get_by_role("button", name="Dansk").click()  # and back, with the input
    expect(phone.locator("html")).to_have_attribute("lang", "da")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Registrér beslutning")
    expect(phone.get_by_label("Titel", exact=True)).to_have_value("Min titel")
    # On a page reached by GET the switch returns to the same page.
    phone.goto(live_server.url + "/staffs/LBS-S")
    phone.get_by_role("button", name="English").click()
    expect(phone).to_have_url(live_server.url + "/staffs/LBS-S")
    expect(phone.locator("html")).to_have_attribute("lang", "en")


def test_add_a_row_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_server, "politi")
        page.goto(live_server.url + _paths(live_server.app)["new"])
        page.get_by_label("Titel").fill("Uden JavaScript")
        with page.expect_navigation():
            page.get_by_role("button", name="Tilføj en høring").click()
        assert page.url.endswith("#add-consultations")  # back at the button, the new row just above it
        expect(page.locator("[name='consultations-1-party']")).to_be_visible()
        expect(page.get_by_label("Titel")).to_have_value("Uden JavaScript")
        assert page.locator("#error-summary").count() == 0
    finally:
        context.close()
