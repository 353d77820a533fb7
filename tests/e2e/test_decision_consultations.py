"""politi starts a decision for an evacuation in Herning with 300.000 kr. of accommodation, sees the
kommunaldirektør and the mayor appear as required, records every required party with a click each,
and saves with nothing missing."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import start_decision


def test_required_parties_are_recorded_from_the_panel(page, live_server):
    start_decision(page, live_server, staff="LBS-S", decided_by="Politidirektør", type="evacuation",
                   title="Evakuering af Fredhøj",
                   decision="Området Fredhøj evakueres; beboerne indkvarteres på hotel.")
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

    # Each row starts at the form its rule requires; the outcome is left for the person to choose.
    rows = {page.locator(f'[name="consultations-{i}-party"]').input_value(): i for i in range(required)}
    for party, index in rows.items():
        mode = page.locator(f'[name="consultations-{index}-mode"]')
        label = mode.locator("option:checked").inner_text()
        expect(panel.locator(f'li[data-party="{party}"] .required-mode')).to_contain_text(label)
    director_mode = page.locator(f'[name="consultations-{rows["657:kommunaldirektoer"]}-mode"]')
    expect(director_mode).not_to_have_value("inform")
    for index in rows.values():
        outcome = page.locator(f'[name="consultations-{index}-outcome"]')
        expect(outcome).to_have_value("")
        outcome.select_option("agreed")

    page.get_by_role("button", name="Registrér beslutning").click()
    expect(page.get_by_text("Beslutning 7 er registreret.")).to_be_visible()
    expect(page.get_by_text("Kommunaldirektør, Herning Kommune").first).to_be_visible()
    expect(page.get_by_text("Borgmester, Herning Kommune").first).to_be_visible()
    expect(page.locator(".missing-consultations")).to_have_count(0)


def test_a_save_stops_the_panel_refreshing_and_keeps_its_message(page, live_server):
    """Typing schedules a panel refresh 300 ms later. Pressed within that pause, the save must cancel it: the
    save is held back here for 800 ms, long enough for the refresh to have gone out had it not been cancelled."""
    start_decision(page, live_server, staff="LBS-S", decided_by="Politidirektør", type="evacuation",
                   title="Evakuering af Fredhøj", decision="Området Fredhøj evakueres.")
    expect(page.locator("#required-panel li.required-party").first).to_be_visible()
    page.wait_for_timeout(600)  # the refreshes for the fields above have been and gone

    panel_requests: list[str] = []
    page.on("request", lambda request: panel_requests.append(request.url)
            if "/consultation/required/" in request.url else None)

    def hold_the_save(route: Any) -> None:
        if route.request.method == "POST":
            time.sleep(0.8)
        route.continue_()

    page.route(re.compile(r".*/decisions/new$"), hold_the_save)
    page.locator('[name="rationale"]').press_sequentially("Nyt om vandstanden.")
    with page.expect_navigation(url=re.compile(r"/decisions/\d+$")):
        page.get_by_role("button", name="Registrér beslutning").click()
    expect(page.locator(".flashes")).to_contain_text("er registreret")
    assert panel_requests == []
