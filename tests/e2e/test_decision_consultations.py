"""politi starts a decision for an evacuation in Herning with 300.000 kr. of accommodation, sees the
kommunaldirektør and the mayor appear as required, records every required party with a click each,
and saves with nothing missing."""

from __future__ import annotations

from playwright.sync_api import expect

from lbs.decisions.demo import DEMO_TITLE
from tests.e2e.conftest import sign_in


def test_required_parties_are_recorded_from_the_panel(page, live_server):
    sign_in(page, live_server, "politi")
    page.get_by_role("link", name="Hændelser").first.click()
    page.get_by_role("link", name=DEMO_TITLE).click()
    page.get_by_role("link", name="Registrér beslutning").click()

    page.locator('[name="staff"]').select_option("LBS-S")
    page.locator('[name="decided_by"]').select_option(label="Politidirektør")
    page.locator('[name="owner"]').select_option(label="Herning Kommune")
    page.locator('[name="type"]').select_option("evacuation")
    page.get_by_label("Titel").fill("Evakuering af Fredhøj")
    page.locator('[name="decision"]').fill("Området Fredhøj evakueres; beboerne indkvarteres på hotel.")
    page.locator('[name="rationale"]').fill("Vandstanden stiger, og kældre er oversvømmet.")
    page.locator('[name="costs-0-bearer"]').select_option(label="Herning Kommune")
    page.locator('[name="costs-0-category"]').select_option("emergency_accommodation")
    page.locator('[name="costs-0-estimate"]').fill("300.000")

    panel = page.locator("#required-panel")
    director = panel.locator('li[data-party="657:kommunaldirektoer"]')
    mayor = panel.locator('li[data-party="657:borgmester"]')
    expect(director).to_contain_text("Kommunaldirektør, Herning Kommune")
    expect(mayor).to_contain_text("Borgmester, Herning Kommune")
    expect(mayor).to_contain_text("R6")

    # Record every required party: one click on each party's button.
    buttons = panel.locator("button.panel-add")
    required = panel.locator("li.required-party").count()
    assert required >= 2
    for _ in range(required):
        if buttons.count() == 0:
            break
        buttons.first.click()
        expect(panel.locator("li.required-party.is-recorded")).not_to_have_count(0)
        page.wait_for_timeout(400)  # the panel refreshes after a 300 ms pause
    expect(buttons).to_have_count(0)
    expect(director).to_contain_text("Høring registreret")
    expect(mayor).to_contain_text("Høring registreret")

    page.get_by_role("button", name="Registrér beslutning").click()
    expect(page.get_by_text("Beslutning 7 er registreret.")).to_be_visible()
    expect(page.get_by_text("Kommunaldirektør, Herning Kommune").first).to_be_visible()
    expect(page.get_by_text("Borgmester, Herning Kommune").first).to_be_visible()
    expect(page.locator(".missing-consultations")).to_have_count(0)
