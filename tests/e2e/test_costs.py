"""herning works its cost lines in the browser; holstebro cannot touch them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from lbs.extensions import db
from tests import factories as f
from tests.e2e.conftest import sign_in


@pytest.fixture(scope="module")
def herning_lines(live_server: Any) -> Iterator[dict[str, int]]:
    """An incident with Herning (and Holstebro) lines committed in the live server's database."""
    with live_server.app.app_context():
        incident = f.incident("E2E skybrud (omkostninger)")
        decision = f.decision_with_costs(incident, [
            {"bearer": "657", "category": "emergency_accommodation", "estimate": "120000",
             "description": "E2E nødindkvartering i idrætshal"},
            {"bearer": "657", "category": "evacuation_transport", "estimate": "25000",
             "description": "E2E transport af plejehjemsbeboere"},
            {"bearer": "661", "category": "catering", "estimate": "500", "description": "E2E Holstebro forplejning"},
        ])
        ids = {"incident": incident.id, "accept": decision.test_lines[0].id,
               "dispute": decision.test_lines[1].id}
        db.session.commit()
        db.session.remove()
    yield ids


def _form(page: Any, heading: str) -> Any:
    return page.locator("form").filter(has=page.get_by_role("heading", name=heading, exact=True))


def test_herning_accepts_disputes_and_downloads(page, live_server, herning_lines, tmp_path):
    sign_in(page, live_server, "herning")
    # The demo's consultation request waits for Herning's answer, so Herning starts on the landing page.
    expect(page.get_by_role("heading", name="Høringer, der venter på svar")).to_be_visible()
    page.get_by_role("link", name="Omkostninger").first.click()
    expect(page).to_have_url(live_server.url + "/costs/")
    open_lines = page.get_by_role(
        "table", name="Linjer, der er estimeret, accepteret eller omtvistet (endnu ikke afregnet)")
    expect(open_lines.get_by_role("link", name="E2E nødindkvartering i idrætshal")).to_be_visible()
    expect(open_lines.get_by_role("link", name="E2E transport af plejehjemsbeboere")).to_be_visible()
    expect(page.get_by_text("E2E Holstebro forplejning")).to_have_count(0)

    open_lines.get_by_role("link", name="E2E nødindkvartering i idrætshal").click()
    accept = _form(page, "Acceptér")
    accept.get_by_label("Faktisk beløb (kr.)").fill("118.250,50")
    accept.get_by_label("Fakturanummer").fill("F-2026-117")
    accept.get_by_role("button", name="Acceptér omkostningen").click()
    expect(page.get_by_role("status")).to_contain_text("Omkostningslinjen er accepteret.")
    expect(page.get_by_text("118.250,50\u00a0kr.").first).to_be_visible()

    page.goto(live_server.url + "/costs/")
    page.get_by_role("link", name="E2E transport af plejehjemsbeboere").click()
    dispute = _form(page, "Gør indsigelse")
    expect(dispute.get_by_label("Begrundelse for indsigelsen")).to_have_attribute("required", "")
    dispute.get_by_label("Begrundelse for indsigelsen").fill("Transporten af plejehjemsbeboere påhviler regionen")
    dispute.get_by_label("Hvem er orienteret").fill("LBS-formanden (politidirektøren)")
    dispute.get_by_role("button", name="Gør indsigelse mod omkostningen").click()
    expect(page.get_by_role("status")).to_contain_text("Der er gjort indsigelse mod omkostningslinjen.")
    history = page.get_by_role("list", name="Historik")
    expect(history).to_contain_text("Orienteret om tvisten: LBS-formanden (politidirektøren)")
    expect(history).to_contain_text("Status ændret fra Estimeret til Omtvistet af herning")

    page.goto(live_server.url + "/costs/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent alle linjer (XLSX)").click()
    target = tmp_path / "herning.xlsx"
    download_info.value.save_as(target)
    rows = {row[7]: row for row in load_workbook(target)["Linjer"].iter_rows(min_row=2, values_only=True)}
    assert rows["E2E nødindkvartering i idrætshal"][11] == "Accepteret"
    assert rows["E2E nødindkvartering i idrætshal"][19] == "accepted"  # the code, for systems
    assert rows["E2E nødindkvartering i idrætshal"][9] == 118250.5
    assert rows["E2E transport af plejehjemsbeboere"][11] == "Omtvistet"
    assert "E2E Holstebro forplejning" not in rows


def test_holstebro_cannot_touch_herning_lines(page, live_server, herning_lines):
    sign_in(page, live_server, "holstebro")
    # Another municipality's line is not Holstebro's to read (docs/security.md): it looks like no line at all.
    response = page.goto(f"{live_server.url}/costs/lines/{herning_lines['dispute']}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Siden findes ikke")).to_be_visible()
    expect(page.get_by_text("E2E transport af plejehjemsbeboere")).to_have_count(0)
    expect(page.get_by_role("button", name="Gør indsigelse mod omkostningen")).to_have_count(0)
    expect(page.get_by_role("button", name="Acceptér omkostningen")).to_have_count(0)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    for verb, form in [("accept", {"accept-actual": "1"}), ("settle", {"settle-actual": "1"}),
                       ("dispute", {"dispute-reason": "x", "dispute-informed": "y"})]:
        response = page.request.post(f"{live_server.url}/costs/lines/{herning_lines['accept']}/{verb}",
                                     form={"csrf_token": token, **form})
        assert response.status == 403, verb
