"""Rosters in the browser: politi fills the demo gap, looks back a month; herning reads without edit controls."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

HERNING_SEAT = "Krisestabskontakt, Herning Kommune"


def test_politi_assigns_a_deputy_and_looks_back_a_month(page, live_server):
    sign_in(page, live_server, "politi")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Bemanding").click()
    page.get_by_role("link", name="LBS-O", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("LBS-O")

    row = page.locator("tr", has_text=HERNING_SEAT)
    expect(row).to_contain_text("Hul: for få stedfortrædere (0 af mindst 1)")
    row.get_by_role("link", name=f"Tildel en person til {HERNING_SEAT}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(HERNING_SEAT)
    page.get_by_label("Person", exact=True).select_option(label="Teknisk direktør, Herning Kommune (Herning Kommune)")
    expect(page.get_by_label(re.compile("^Rang"))).to_have_value("1")
    page.get_by_role("button", name="Tildel", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("er gemt")
    row = page.locator("tr", has_text=HERNING_SEAT)
    expect(row).to_contain_text("Teknisk direktør, Herning Kommune")
    expect(row).not_to_contain_text("for få stedfortrædere")
    expect(row).to_contain_text("Bemandet")

    month_ago = (datetime.now(UTC) - timedelta(days=30)).astimezone(ZoneInfo("Europe/Copenhagen"))
    page.get_by_label("Vis bemandingen pr. (lokal tid)").fill(month_ago.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page.locator("#as-of")).to_contain_text("Bemanding pr. " + month_ago.strftime("%d.%m.%Y %H:%M"))
    log = page.locator("tr", has=page.locator(".position-title", has_text=re.compile("^Logfører$")))
    expect(log).to_contain_text("Logfører A, Midt- og Vestjyllands Politi")
    # B is not holding the seat yet; B shows as the incoming holder
    expect(log.locator(".holder-name", has_text="Logfører B")).to_have_count(0)
    expect(log).to_contain_text("Afløses af Logfører B, Midt- og Vestjyllands Politi")
    # a month ago the new deputy was not there yet: the gap shows again
    expect(page.locator("tr", has_text=HERNING_SEAT)).to_contain_text("for få stedfortrædere")


def test_herning_sees_the_roster_without_edit_controls(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, live_server, "herning")
        page.goto(live_server.url + "/staffs/LBS-O")
        expect(page.locator("tr", has_text=HERNING_SEAT)).to_contain_text("Beredskabskoordinator, Herning Kommune")
        expect(page.locator("tr", has_text="Logfører")).to_contain_text("Logfører B")
        for name in ("Tildel en person", "Redigér plads", "Udskift", "Afslut", "Ny plads"):
            expect(page.get_by_role("link", name=re.compile("^" + name))).to_have_count(0)
        expect(page.get_by_role("link", name=re.compile("^Historik")).first).to_be_visible()
        response = page.goto(live_server.url + "/staffs/people/new")
        assert response is not None and response.status == 403
    finally:
        context.close()
