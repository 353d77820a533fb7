"""politi opens the demo incident, logs a decision with one cost line, sees it as the next number on the
timeline, amends it, and verifies integrity."""

from __future__ import annotations

from playwright.sync_api import expect

from lbs.demo.incidents import DEMO_TITLE
from tests.e2e.conftest import start_decision


def test_log_amend_and_verify_a_decision(page, live_server):
    start_decision(page, live_server, staff="LBS-O", decided_by="Politiinspektør (stabschef)",
                   type="resource_request", title="Sandsække til Nørregade",
                   decision="Herning Kommune leverer 2.000 sandsække.")
    page.locator('[name="rationale"]').fill("Vandet stiger fortsat.")
    page.locator('[name="costs-0-bearer"]').select_option(label="Herning Kommune")
    page.locator('[name="costs-0-category"]').select_option("supplies")
    page.locator('[name="costs-0-estimate"]').fill("25.000")
    page.get_by_role("button", name="Registrér beslutning").click()

    expect(page.get_by_text("Beslutning 7 er registreret.")).to_be_visible()
    expect(page.get_by_role("heading", name="Beslutning 7: Sandsække til Nørregade")).to_be_visible()
    expect(page.get_by_text("25.000,00\u00a0kr.")).to_be_visible()
    page.get_by_role("link", name=DEMO_TITLE).click()
    row = page.locator("tr.decision-row[data-number='7']")
    expect(row).to_contain_text("Sandsække til Nørregade")

    row.get_by_role("link", name="Sandsække til Nørregade").click()
    page.get_by_role("link", name="Ret denne beslutning").click()
    page.get_by_label("Begrundelse for ændringen").fill("Antallet var forkert")
    page.get_by_label("Titel").fill("Sandsække til Nørregade (3.000 stk.)")
    page.locator('[name="costs-0-bearer"]').select_option(label="Herning Kommune")
    page.locator('[name="costs-0-category"]').select_option("supplies")
    page.locator('[name="costs-0-estimate"]').fill("37.500")
    page.get_by_role("button", name="Registrér rettelse").click()
    expect(page.get_by_text("Beslutning 8 er registreret.")).to_be_visible()
    expect(page.get_by_role("link", name="beslutning 7")).to_be_visible()

    page.get_by_role("link", name=DEMO_TITLE).click()
    expect(page.locator("tr.decision-row[data-number='7'] del")).to_contain_text("Sandsække til Nørregade")
    expect(page.locator("tr.decision-row[data-number='8']")).to_contain_text("(3.000 stk.)")
    page.get_by_role("button", name="Kontrollér integritet").click()
    expect(page.get_by_text("Integriteten er kontrolleret: 8 beslutninger, kæden er intakt.")).to_be_visible()
