"""Attachments in the record: the review page (with hashes and download links), the HTML download route, the
PDF, the decision JSON (API and export), and a broken attachment named where a chain check is shown."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from pypdf import PdfReader
from sqlalchemy import update

from lbs.decisions.attachment_models import AttachmentChunk
from lbs.extensions import db
from tests.attachments import files
from tests.attachments.conftest import RECORDED_PDF as PDF_NAME
from tests.review.packs import built_pack


def test_review_page_lists_each_attachment_with_its_hash_and_link(login: Any, recorded: Any) -> None:
    decision, found = recorded
    page = login("politi").get(f"/review/incidents/{decision['incident_id']}").get_data(as_text=True)
    section = page.split(f'id="decision-{decision["number"]}"', 1)[1].split("</section>", 1)[0]
    assert 'class="table-scroll"' in section and "Bilag til beslutning 1" in section
    for item in found:
        assert f'href="/attachments/{item["id"]}"' in section
        assert f'<code class="sha">{item["sha256"]}</code>' in section
        assert item["content_type"] in section
    assert "Vurdering af diget æøå.pdf" in section and "Beredskabets vurdering" in section
    assert "Filnavn" in section and "Filstørrelse" in section


def test_html_download_is_the_bytes_as_an_attachment_within_scope(login: Any, recorded: Any) -> None:
    _decision, found = recorded
    client = login("herning")  # the incident affects Herning
    response = client.get(f"/attachments/{found[0]['id']}")
    assert response.status_code == 200
    assert response.get_data() == files.pdf()
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''Vurdering%20af%20diget%20%C3%A6%C3%B8%C3%A5.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    client.post("/logout")
    assert login("holstebro").get(f"/attachments/{found[0]['id']}").status_code == 404
    assert login("politi").get("/attachments/999999").status_code == 404


def test_signed_out_download_is_refused(client: Any, recorded: Any) -> None:
    _decision, found = recorded
    response = client.get(f"/attachments/{found[0]['id']}")
    assert response.status_code in (302, 401)
    assert response.get_data() != files.pdf()


def test_decision_json_lists_attachments_in_the_api_and_the_export(api_as: Any, login: Any, recorded: Any) -> None:
    decision, found = recorded
    api = api_as("politi")
    listed = api.get(f"/api/v1/decisions/{decision['id']}").get_json()["attachments"]
    assert listed == found  # the same shape as the attachments API
    page = api.get(f"/api/v1/incidents/{decision['incident_id']}/decisions").get_json()
    items = page["items"] if isinstance(page, dict) else page
    assert items[0]["attachments"] == found
    export = login("politi").get(f"/incidents/{decision['incident_id']}/export/decisions.json")
    assert export.status_code == 200
    exported = json.loads(export.get_data())
    assert exported[0]["attachments"] == found
    assert set(found[0]) == {"id", "decision_id", "filename", "content_type", "size", "sha256", "description",
                             "uploaded_at", "uploaded_by"}


def test_review_pdf_lists_attachments_with_size_and_hash(login: Any, recorded: Any) -> None:
    decision, found = recorded
    built_pack(decision["incident_id"], "politi")
    response = login("politi").get(f"/review/incidents/{decision['incident_id']}/review.pdf")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)
    flat = re.sub(r"\s+", "", text)
    assert "diget.png" in text
    for item in found:
        assert item["sha256"] in flat


def _tamper(attachment_id: int) -> None:
    db.session.execute(update(AttachmentChunk).where(AttachmentChunk.attachment_id == attachment_id)
                       .values(data=files.pdf("forfalsket")))
    db.session.commit()


def test_a_changed_attachment_is_named_on_the_review_page_and_in_the_flashes(login: Any, recorded: Any) -> None:
    decision, found = recorded
    _tamper(found[0]["id"])
    client = login("politi")
    incident = decision["incident_id"]
    expected = f"Bilaget »{PDF_NAME}« til beslutning {decision['number']} er ændret eller mangler."
    page = client.get(f"/review/incidents/{incident}").get_data(as_text=True)
    assert expected in page
    shown = client.post(f"/review/incidents/{incident}/verify", follow_redirects=True).get_data(as_text=True)
    assert expected in shown
    flashed = client.post(f"/incidents/{incident}/verify", follow_redirects=True).get_data(as_text=True)
    assert expected in flashed


def test_intact_attachments_name_nothing(login: Any, recorded: Any) -> None:
    decision, _found = recorded
    page = login("politi").get(f"/review/incidents/{decision['incident_id']}").get_data(as_text=True)
    assert "er ændret eller mangler" not in page
