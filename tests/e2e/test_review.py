"""revisor opens an incident's review, filters to missing consultations, adds a finding, signs off and
downloads the pack (which verifies)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lbs.decisions import compliance
from lbs.extensions import db
from lbs.review.pack import PACK_FILES, verify_pack
from tests import factories
from tests.e2e.conftest import LiveServer, build_review_pack, sign_in

TITLE = "Skybrud i Herning midtby – evalueringstest (DEMO)"


@pytest.fixture(scope="module")
def review_incident(live_server: LiveServer) -> Iterator[int]:
    with pytest.MonkeyPatch.context() as patch:
        # The consultation graph is built on another branch; stand in its rules for this browser test.
        patch.setattr(compliance, "required_consultations", factories.fake_required_consultations)
        with live_server.app.app_context():
            incident_id = factories.review_incident_with_decisions(title=TITLE).id
            db.session.commit()
            db.session.remove()
        yield incident_id


def test_reviewer_filters_adds_finding_signs_off_downloads(page, live_server, review_incident, tmp_path: Path):
    sign_in(page, live_server, "revisor")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Evaluering").click()
    page.get_by_label("Tekst").fill("evalueringstest")
    page.get_by_label("Kun manglende høringer").check()
    page.get_by_role("button", name="Søg").click()
    page.get_by_role("link", name=TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)

    page.get_by_role("link", name="Vis kun beslutninger med manglende høringer").click()
    expect(page.get_by_text("Viser 3 af 4 beslutninger")).to_be_visible()
    expect(page.locator("#decision-1")).to_have_count(0)
    expect(page.locator("#decision-2")).to_be_visible()

    page.get_by_label("Vedrører").select_option(label="Beslutning 2: Evakuering af 120 beboere")
    page.get_by_label("Observation").fill("Kommunaldirektøren blev ikke hørt før evakueringen.")
    page.get_by_label("Anbefaling").fill("Tjekliste for høring ved evakuering.")
    page.get_by_label("Ansvarlig (navn eller enhed)").fill("Herning Kommune, krisestab")
    page.get_by_role("button", name="Tilføj fund").click()
    expect(page.get_by_text("Fundet er tilføjet.")).to_be_visible()
    expect(page.get_by_role("cell", name="Kommunaldirektøren blev ikke hørt før evakueringen.")).to_be_visible()

    page.get_by_role("button", name="Godkend evalueringen").click()  # no pack yet: nothing to sign
    expect(page.get_by_text("Byg evalueringspakken først").first).to_be_visible()
    build_review_pack(page)
    page.get_by_label("Kommentar").fill("Gennemgået; ét fund.")
    page.get_by_role("button", name="Godkend evalueringen").click()
    expect(page.get_by_text("Evalueringen er godkendt.")).to_be_visible()
    expect(page.locator("#signed-status")).to_contain_text("Godkendt af")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent evalueringspakken (ZIP)").click()
    target = tmp_path / "pack.zip"
    download_info.value.save_as(target)
    with live_server.app.app_context():  # checked against the server's own signing key
        result = verify_pack(target.read_bytes())
    assert result.ok, result.problem
    assert result.checked == len(PACK_FILES)

    # the exact pack that was signed: its SHA-256 is the one shown with the sign-off
    with page.expect_download() as signed_info:
        page.get_by_role("link", name="Hent den godkendte pakke (ZIP)").click()
    signed = tmp_path / "signed.zip"
    signed_info.value.save_as(signed)
    digest = hashlib.sha256(signed.read_bytes()).hexdigest()
    signed_entry = page.locator("p", has=page.locator("code.sha")).filter(has_text="Godkendt af")
    expect(signed_entry.locator("code.sha")).to_have_text(digest)


def test_review_page_has_no_serious_accessibility_violations(browser, live_server, review_incident):
    from tests.e2e.test_accessibility import scan

    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server, "revisor")
        problems = []
        for suffix in ("", "?missing=1"):
            page.goto(f"{live_server.url}/review/incidents/{review_incident}{suffix}")
            expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
            problems.extend(scan(page))
        page.goto(f"{live_server.url}/review/?q=evalueringstest&missing_only=y")
        problems.extend(scan(page))
    finally:
        context.close()
    assert not problems, "\n".join(problems)
