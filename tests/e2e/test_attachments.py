"""politi attaches a PDF and a PNG on a decision's page with the keyboard-reachable file input, sees both
listed (the PNG previewed), downloads the PDF byte for byte and finds both in the review pack, which
``verify-pack`` passes and refuses, naming the file, once one attachment in it is changed; files dropped on the
drop zone land in the input; the page passes the accessibility scan with attachments on it, at desktop and
phone widths."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from lbs.consultation.facts import DecisionType
from lbs.decisions import log
from lbs.decisions.draft import DecisionDraft
from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.organisations.models import Organisation
from lbs.staffs.models import Person
from lbs.timeutil import utcnow
from tests.attachments import files
from tests.e2e.conftest import build_review_pack, sign_in
from tests.e2e.test_accessibility import _scan_once, csp_free_page  # noqa: F401  (the fixture)


def _decision(app, title: str) -> int:
    with app.app_context():
        incident = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
        police = db.session.scalars(select(Organisation.id)
                                    .where(Organisation.name == "Midt- og Vestjyllands Politi")).one()
        person = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
        draft = DecisionDraft(staff="LBS-O", decided_at=utcnow() - timedelta(minutes=2), decided_by_id=person,
                              owner_id=police, type=DecisionType.CORDON, title=title,
                              decision="Diget afspærres.", rationale="Diget er svækket.")
        decision_id = log.log_decision(incident=incident, draft=draft, by=None).decision.id
        db.session.commit()
        db.session.remove()
    return decision_id


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus (it is reachable by the keyboard)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def test_attach_a_pdf_and_a_png_and_download_the_pdf(page, live_server, tmp_path: Path):
    decision_id = _decision(live_server.app, "Afspærring ved diget")
    pdf, png = files.pdf("Brandvæsenets vurdering kl. 02:14"), files.png()
    (tmp_path / "vurdering æøå.pdf").write_bytes(pdf)
    (tmp_path / "diget.png").write_bytes(png)
    sign_in(page, live_server, "politi")
    page.goto(f"{live_server.url}/decisions/{decision_id}")
    section = page.locator("section#attachments")
    expect(section.get_by_role("heading", name="Bilag")).to_be_visible()
    expect(section).to_contain_text("Ingen bilag.")

    _tab_to(page, "input[type=file][name=files]")
    page.keyboard.press("Tab")  # the description follows the file input
    assert page.evaluate("document.activeElement.name") == "description"
    page.locator("input[name=files]").set_input_files([str(tmp_path / "vurdering æøå.pdf"),
                                                       str(tmp_path / "diget.png")])
    expect(section.locator(".dropzone-status")).to_contain_text("vurdering æøå.pdf, diget.png")
    page.get_by_label("Beskrivelse").fill("Foto af diget")
    page.get_by_role("button", name="Vedhæft", exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator(".flash")).to_contain_text("2 filer vedhæftet beslutning")
    listed = section.locator("li.attachment")
    expect(listed).to_have_count(2)
    expect(listed.nth(0)).to_contain_text("vurdering æøå.pdf")
    expect(listed.nth(0)).to_contain_text("PDF-dokument")
    expect(listed.nth(1)).to_contain_text("PNG-billede")
    preview = listed.nth(1).get_by_role("img", name="Foto af diget")
    expect(preview).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 1", arg=preview.element_handle())

    with page.expect_download() as download_info:
        listed.nth(0).get_by_role("link", name="vurdering æøå.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "vurdering æøå.pdf"
    assert Path(download.path()).read_bytes() == pdf

    # Both are in the review pack, which verify-pack passes, and fails naming the file when one is changed.
    pack = _download_review_pack(page, live_server, tmp_path)
    with zipfile.ZipFile(pack) as archive:
        stored = {name: archive.read(name) for name in archive.namelist() if name.startswith("attachments/")}
    assert sorted(stored.values(), key=len) == sorted([pdf, png], key=len)
    runner = live_server.app.test_cli_runner()
    assert runner.invoke(args=["lbs", "verify-pack", str(pack)]).exit_code == 0
    changed_name = next(name for name, data in stored.items() if data == pdf)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(pack) as src, zipfile.ZipFile(forged, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, files.pdf("forfalsket") if info.filename == changed_name else data)
    refused = runner.invoke(args=["lbs", "verify-pack", str(forged)])
    assert refused.exit_code == 1 and changed_name in refused.output


def _download_review_pack(page, live_server, tmp_path: Path) -> Path:
    """The demo incident's review pack, through its link on the review page."""
    with live_server.app.app_context():
        incident_id = db.session.scalars(select(Incident.id).where(Incident.title == DEMO_TITLE)).one()
        db.session.remove()
    page.goto(f"{live_server.url}/review/incidents/{incident_id}")
    build_review_pack(page)
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("link", name="Hent evalueringspakken (ZIP)").click()
    target = tmp_path / "pakke.zip"
    download_info.value.save_as(target)
    return target


def test_dropped_files_land_in_the_input(page, live_server):
    decision_id = _decision(live_server.app, "Slip filer her")
    sign_in(page, live_server, "politi")
    page.goto(f"{live_server.url}/decisions/{decision_id}")
    zone = page.locator("section#attachments [data-dropzone]")
    expect(zone).to_have_class("dropzone dropzone-ready")
    expect(zone.locator("label")).to_contain_text("eller slip filerne her")
    page.evaluate("""zone => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(["%PDF-1.4 x"], "slippet.pdf", {type: "application/pdf"}));
        transfer.items.add(new File(["tekst"], "noter.txt", {type: "text/plain"}));
        zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""", zone.element_handle())
    assert page.evaluate("Array.from(document.querySelector('input[name=files]').files).map(f => f.name)") == [
        "slippet.pdf", "noter.txt"]
    assert page.evaluate("document.activeElement.name") == "files"
    with page.expect_navigation():
        page.get_by_role("button", name="Vedhæft", exact=True).click()
    expect(page.locator("section#attachments li.attachment")).to_have_count(2)


def test_the_decision_page_with_attachments_passes_the_scan(csp_free_page, live_server):  # noqa: F811
    decision_id = _decision(live_server.app, "Bilag til scanning")
    sign_in(csp_free_page, live_server, "politi")
    csp_free_page.goto(f"{live_server.url}/decisions/{decision_id}")
    csp_free_page.locator("input[name=files]").set_input_files([
        {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": files.pdf()},
        {"name": "kort.png", "mimeType": "image/png", "buffer": files.png()}])
    with csp_free_page.expect_navigation():
        csp_free_page.get_by_role("button", name="Vedhæft", exact=True).click()
    expect(csp_free_page.locator("section#attachments li.attachment")).to_have_count(2)
    problems: list[str] = []
    for width, height in ((1280, 800), (390, 844)):
        csp_free_page.set_viewport_size({"width": width, "height": height})
        problems.extend(f"{width}px {p}" for p in _scan_once(csp_free_page))
        overflow = csp_free_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{width}px: the page scrolls sideways by {overflow}px"
    # The form's error state too: a refused file.
    csp_free_page.locator("input[name=files]").set_input_files([
        {"name": "side.html", "mimeType": "text/html", "buffer": b"<html><script>x</script></html>"}])
    with csp_free_page.expect_navigation():
        csp_free_page.get_by_role("button", name="Vedhæft", exact=True).click()
    expect(csp_free_page.locator("#files-error")).to_contain_text("side.html: Filtypen kan ikke vedhæftes")
    for width, height in ((1280, 800), (390, 844)):
        csp_free_page.set_viewport_size({"width": width, "height": height})
        problems.extend(f"{width}px {p}" for p in _scan_once(csp_free_page))
    assert not problems, "\n".join(problems)
