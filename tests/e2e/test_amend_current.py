"""politi amends a decision from a form filled in from the current version, lands on the amendment (which names
what it amends and why), and finds the old decision linking to the new one with no amend button of its own."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lbs.demo.incidents import DEMO_TITLE
from tests.e2e.conftest import sign_in

TITLE = "Anbefalet evakuering af ca. 120 beboere i Nørregade-kvarteret"


def test_politi_amends_the_current_version_from_a_prefilled_form(page, live_server):
    sign_in(page, live_server, "politi")
    page.get_by_role("link", name="Hændelser").first.click()
    page.get_by_role("link", name=DEMO_TITLE).click()
    page.locator("tr.decision-row[data-number='2']").get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beslutning 2")
    page.get_by_role("link", name="Ret denne beslutning").click()

    # Everything starts from the current version: the fields, its cost lines and its consultations.
    expect(page.get_by_label("Titel")).to_have_value(TITLE)
    expect(page.locator('[name="costs-0-estimate"]')).to_have_value("100.000,00")
    expect(page.locator('[name="costs-0-category"]')).to_have_value("emergency_accommodation")
    expect(page.locator('[name="consultations-2-party"]')).to_have_value("657:kommunaldirektoer")
    expect(page.locator('[name="consultations-2-mode"]')).to_have_value("approve")
    expect(page.locator('[name="consultations-2-outcome"]')).to_have_value("agreed")

    page.get_by_label("Titel").fill("Påbudt evakuering af ca. 120 beboere i Nørregade-kvarteret")
    page.get_by_label("Begrundelse for ændringen").fill("Beboerne fulgte ikke anbefalingen; evakueringen påbydes.")
    page.get_by_role("button", name="Registrér rettelse").click()

    expect(page.get_by_text("Beslutning 7 er registreret.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beslutning 7: Påbudt evakuering")
    amends = page.locator(".amends-notice")
    expect(amends).to_have_text(re.compile(r"Ændrer\s+beslutning 2\."))
    main = page.locator("main")
    expect(main).to_contain_text("Begrundelse for ændringen")
    expect(main).to_contain_text("Beboerne fulgte ikke anbefalingen; evakueringen påbydes.")
    expect(main).not_to_contain_text("Begrundelse for sen registrering")
    expect(main).to_contain_text("Kommunaldirektør, Herning Kommune")

    amends.get_by_role("link", name="beslutning 2").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beslutning 2")
    notice = page.locator(".superseded-notice")
    expect(notice).to_have_text(re.compile(r"Denne beslutning er ændret; den gældende version er\s+beslutning 7\."))
    expect(page.get_by_role("link", name="Ret denne beslutning")).to_have_count(0)
    # The cost rows were left as they were: the original's lines stay live (none superseded).
    expect(page.locator("main")).to_contain_text("100.000,00")
    expect(page.locator("tr.superseded")).to_have_count(0)
    notice.get_by_role("link", name="beslutning 7").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beslutning 7")
    expect(page.get_by_role("link", name="Ret denne beslutning")).to_be_visible()
