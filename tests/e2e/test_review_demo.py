"""revisor opens the demo incident's review (real consultation rules, real decision chain), filters to
missing consultations, adds a finding, signs off and downloads the pack, which verifies."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from lbs.demo.incidents import DEMO_TITLE
from lbs.review.pack import verify_pack
from tests.e2e.conftest import build_review_pack, sign_in


def test_reviewer_works_through_the_demo_incident(page, live_server, tmp_path: Path):
    sign_in(page, live_server, "revisor")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Evaluering").click()
    page.get_by_label("Tekst").fill("Skybrud")
    page.get_by_label("Kun manglende høringer").check()
    page.get_by_role("button", name="Søg").click()
    page.get_by_role("link", name=DEMO_TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(DEMO_TITLE)
    expect(page.locator(".integrity-ok")).to_contain_text("Kæden er intakt")
    expect(page.locator(".integrity-ok")).to_contain_text("6 beslutninger")

    page.get_by_role("link", name="Vis kun beslutninger med manglende høringer").click()
    # The demo's pumps (4) and care-home move (5) lack a recorded consultation with the kommunaldirektør.
    expect(page.get_by_text("Viser 2 af 6 beslutninger")).to_be_visible()
    expect(page.locator("#decision-1")).to_have_count(0)
    expect(page.locator("#decision-4")).to_be_visible()
    expect(page.locator("#decision-5")).to_contain_text("Kommunaldirektør, Herning Kommune")

    page.get_by_label("Vedrører").select_option(label="Beslutning 4: Højtydende pumper fra Beredskabsstyrelsen")
    page.get_by_label("Observation").fill("Kommunaldirektøren blev ikke hørt om betalingen for pumperne.")
    page.get_by_label("Anbefaling").fill("Foreløbig betaler afklares med kommunaldirektøren før rekvisition.")
    page.get_by_label("Ansvarlig (navn eller enhed)").fill("LBS-sekretariatet")
    page.get_by_role("button", name="Tilføj fund").click()
    expect(page.get_by_text("Fundet er tilføjet.")).to_be_visible()

    build_review_pack(page)
    page.get_by_label("Kommentar").fill("Gennemgået; ét fund.")
    page.get_by_role("button", name="Godkend evalueringen").click()
    expect(page.get_by_text("Evalueringen er godkendt.")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent den godkendte pakke (ZIP)").click()
    target = tmp_path / "signed.zip"
    download_info.value.save_as(target)
    with live_server.app.app_context():  # checked against the server's own signing key
        result = verify_pack(target.read_bytes())
    assert result.ok, result.problem
