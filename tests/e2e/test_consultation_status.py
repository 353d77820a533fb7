"""politi logs a 300.000 kr. evacuation in Herning where the mayor's approval (R6) was only *informed*; the
decision page, the incident timeline and the review (as revisor) all say so in words: "utilstrækkelig
høringsform", never "gennemført"."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lbs.demo.incidents import DEMO_TITLE
from tests.e2e.conftest import sign_in, start_decision

MAYOR = "657:borgmester"


def test_an_approval_only_informed_reads_insufficient_form(page, live_server):
    start_decision(page, live_server, staff="LBS-S", decided_by="Politidirektør", type="evacuation",
                   title="Evakuering af Fredhøj, kun orienteret",
                   decision="Området Fredhøj evakueres; beboerne indkvarteres på hotel.")
    page.locator('[name="rationale"]').fill("Vandstanden stiger, og kældre er oversvømmet.")
    page.locator('[name="costs-0-bearer"]').select_option(label="Herning Kommune")
    page.locator('[name="costs-0-category"]').select_option("emergency_accommodation")
    page.locator('[name="costs-0-estimate"]').fill("300.000")
    # The mayor is told, not asked for approval.
    page.locator('[name="consultations-0-party"]').select_option(MAYOR)
    page.locator('[name="consultations-0-consulted_at"]').fill(page.locator('[name="decided_at"]').input_value())
    page.locator('[name="consultations-0-mode"]').select_option("inform")
    page.locator('[name="consultations-0-outcome"]').select_option("agreed")
    mayor_in_panel = page.locator(f'#required-panel li[data-party="{MAYOR}"]')
    expect(mayor_in_panel).to_contain_text("Status: utilstrækkelig høringsform")

    with page.expect_navigation(url=re.compile(r"/decisions/\d+$")):
        page.get_by_role("button", name="Registrér beslutning").click()
    expect(page.locator(".flashes")).to_contain_text("er registreret")
    number = int(re.search(r"Beslutning (\d+)", page.get_by_role("heading", level=1).inner_text()).group(1))

    mayor = page.locator(f'table.required-consultations tr[data-party="{MAYOR}"]')
    expect(mayor).to_contain_text("Borgmester, Herning Kommune")
    expect(mayor).to_contain_text("Godkende")
    expect(mayor).to_contain_text("utilstrækkelig høringsform")
    expect(page.locator(".missing-consultations")).to_contain_text(
        "Borgmester, Herning Kommune (utilstrækkelig høringsform)")

    page.get_by_role("link", name=DEMO_TITLE, exact=True).first.click()
    timeline_row = page.locator(f'tr.decision-row[data-number="{number}"]')
    expect(timeline_row.locator(".unmet-consultations")).to_contain_text("ikke opfyldt")
    incident_url = page.url

    page.context.clear_cookies()
    sign_in(page, live_server, "revisor")
    incident_id = re.search(r"/incidents/(\d+)", incident_url).group(1)
    page.goto(f"{live_server.url}/review/incidents/{incident_id}?after={number - 1}")
    section = page.locator(f"#decision-{number}")
    expect(section).to_contain_text("høringer ikke opfyldt")
    row = section.locator("tr.consultation-status", has_text="Borgmester, Herning Kommune")
    expect(row).to_contain_text("Godkende (R6)")
    expect(row).to_contain_text("utilstrækkelig høringsform")
    expect(row).to_contain_text("Orientere")
    expect(row).not_to_contain_text("Gennemført")
