"""The hearing from both sides at once: politi proposes an evacuation costing Herning 300 000 kr., Herning finds
the request in its own list and answers it, politi sees the answer and decides, and the answer is on the decision
page and in the review pack."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

from playwright.sync_api import expect

from lbs.demo.incidents import DEMO_TITLE
from tests.e2e.conftest import build_review_pack, sign_in

TITLE = "Evakuering af Sunds Nord"


def _csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig")), delimiter=";"))


def _propose(page, server) -> str:
    sign_in(page, server, "politi")
    page.get_by_role("link", name="Hændelser").first.click()
    page.get_by_role("link", name=DEMO_TITLE).click()
    page.get_by_role("link", name="Foreslå beslutning").click()
    page.locator('[name="staff"]').select_option("LBS-S")
    page.locator('[name="owner"]').select_option(label="Midt- og Vestjyllands Politi")
    page.locator('[name="type"]').select_option("evacuation")
    page.get_by_label("Titel").fill(TITLE)
    page.locator('[name="decision"]').fill("Sunds Nord evakueres til Herning Hallerne.")
    page.locator('[name="rationale"]').fill("Dæmningen kan bryde inden for 6 timer.")
    page.locator('[name="costs-0-bearer"]').select_option(label="Herning Kommune")
    page.locator('[name="costs-0-category"]').select_option("evacuation_transport")
    page.locator('[name="costs-0-estimate"]').fill("300.000")
    page.get_by_role("button", name="Foreslå beslutning").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    assert re.search(r"/proposals/\d+$", page.url), page.url
    return page.url


def test_politi_proposes_herning_answers_politi_decides(browser, live_server):
    police_context, herning_context = browser.new_context(), browser.new_context()
    police, herning = police_context.new_page(), herning_context.new_page()
    try:
        proposal_url = _propose(police, live_server)
        requests = police.get_by_role("region", name="Anmodninger om høring")
        expect(requests).to_contain_text("Borgmester, Herning Kommune")

        # Herning signs in: the request waits for it, on the landing page and in its list.
        sign_in(herning, live_server, "herning")
        waiting = herning.locator("section", has=herning.get_by_role("heading", name="Høringer, der venter på svar"))
        expect(waiting).to_contain_text(TITLE)
        herning.locator("a[href='/consultation-requests']").first.click()
        item = herning.locator("li, article, tr", has_text=TITLE).filter(has_text="Borgmester, Herning Kommune")
        item.first.get_by_role("link").first.click()
        expect(herning.get_by_role("heading", level=1)).to_contain_text(TITLE)
        expect(herning.get_by_text("300.000,00\u00a0kr.")).to_be_visible()
        herning.get_by_label("Enig", exact=True).check()
        herning.get_by_role("button", name="Send svar").click()
        expect(herning.get_by_text("Besvaret af")).to_be_visible()

        # The police side sees the answer on the proposal page and decides.
        police.goto(proposal_url)
        row = police.locator("tr.request-row", has_text="Borgmester, Herning Kommune")
        expect(row).to_contain_text("Besvaret Enig af Herning Kommune")
        expect(police.locator("tr.consultation-status[data-party='657:borgmester']")).to_contain_text("opfyldt")
        police.locator('[name="decided_by"]').select_option(index=1)
        police.get_by_role("button", name="Træf beslutning").click()
        assert re.search(r"/decisions/\d+$", police.url), police.url
        heard = police.locator("section", has_text="hørt via LBS Register").filter(has_text="Borgmester")
        expect(heard.first).to_contain_text("Enig")
        expect(heard.first).to_contain_text("Herning")

        # The review pack holds the answer: as the decision's consultation and as an answered request.
        incident_id = police.locator("a", has_text=DEMO_TITLE).first.get_attribute("href").rstrip("/").split("/")[-1]
        police.goto(f"{live_server.url}/review/incidents/{incident_id}")
        build_review_pack(police)
        pack = police.request.get(f"{live_server.url}/review/incidents/{incident_id}/pack.zip")
        assert pack.status == 200
        with zipfile.ZipFile(io.BytesIO(pack.body())) as archive:
            decisions = json.loads(archive.read("decisions.json"))
            consulted = _csv(archive, "consultations.csv")
            requests_csv = _csv(archive, "consultation_requests.csv")
        decided = [d for d in (decisions if isinstance(decisions, list) else decisions["decisions"])
                   if d["title"] == TITLE]
        assert len(decided) == 1
        number = str(decided[0]["number"])
        mayor = [r for r in consulted if r["decision_number"] == number and r["party"] == "657:borgmester"]
        assert [(r["status"], r["mode"], r["outcome"]) for r in mayor] == [("met", "approve", "agreed")]
        assert [r for r in requests_csv if r["party"] == "657:borgmester" and r["outcome"] == "agreed"], requests_csv
    finally:
        police_context.close()
        herning_context.close()
