"""The contract's *Attachments*: upload, list, download; what is refused, and that nothing is stored then."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import func, select

from lbs.decisions.attachment_models import Attachment, AttachmentChunk
from lbs.extensions import db
from tests.attachments import files
from tests.attachments.conftest import decision_body, upload


def _stored() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Attachment)) or 0,
            db.session.scalar(select(func.count()).select_from(AttachmentChunk)) or 0)


@pytest.mark.parametrize(("name", "data", "content_type"), [
    ("vurdering.pdf", files.pdf(), "application/pdf"),
    ("diget.png", files.png(), "image/png"),
    ("foto.JPG", files.jpeg(), "image/jpeg"),
    ("noter.txt", "Vandstand 1,2 m ved sluse 3 — målt kl. 02:14\n".encode(), "text/plain"),
    ("busser.csv", "firma;pris\nMidttrafik;12.000,00\n".encode("cp1252"), "text/csv"),
    ("tilbud.docx", files.docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("plan.xlsx", files.xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("referat.odt", files.odt(), "application/vnd.oasis.opendocument.text"),
    ("budget.ods", files.ods(), "application/vnd.oasis.opendocument.spreadsheet"),
    ("uden-endelse", files.pdf(), "application/pdf"),
])
def test_an_allowed_file_is_kept_and_comes_back_byte_for_byte(api_as: Any, decision: dict[str, Any], name: str,
                                                              data: bytes, content_type: str) -> None:
    politi = api_as("politi")
    response = upload(politi, decision["id"], name, data, description="Grundlag for beslutningen")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["filename"] == name and body["content_type"] == content_type and body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest() and body["decision_id"] == decision["id"]
    assert body["description"] == "Grundlag for beslutningen" and body["uploaded_by"] is not None
    listed = politi.get(f"/api/v1/decisions/{decision['id']}/attachments").get_json()
    assert [a["id"] for a in listed] == [body["id"]]
    download = politi.get(f"/api/v1/attachments/{body['id']}")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Type"] == content_type
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_danish_name_with_path_characters_is_kept_and_safe_in_the_header(api_as: Any,
                                                                            decision: dict[str, Any]) -> None:
    politi = api_as("politi")
    name = "../Brandvæsenets vurdering/kl 02:14 æøå.pdf"
    body = upload(politi, decision["id"], name, files.pdf()).get_json()
    assert body["filename"] == name
    header = politi.get(f"/api/v1/attachments/{body['id']}").headers["Content-Disposition"]
    assert header.startswith('attachment; filename="')
    assert "filename*=UTF-8''kl%2002%3A14%20%C3%A6%C3%B8%C3%A5.pdf" in header
    assert "\\" not in header and "/" not in header.split("filename*=")[0]


def test_attachments_are_listed_oldest_first(api_as: Any, decision: dict[str, Any]) -> None:
    politi = api_as("politi")
    ids = [upload(politi, decision["id"], f"bilag-{n}.pdf", files.pdf(str(n))).get_json()["id"] for n in range(3)]
    assert [a["id"] for a in politi.get(f"/api/v1/decisions/{decision['id']}/attachments").get_json()] == ids


@pytest.mark.parametrize(("name", "data", "status"), [
    ("side.html", b"<html><script>alert(1)</script></html>", 415),
    ("billede.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415),
    ("vurdering.pdf", files.png(), 415),          # the name says PDF, the bytes are PNG
    ("foto.png", files.pdf(), 415),
    ("program.exe", b"MZ\x90\x00\x03\x00\x00\x00", 415),
    ("data.bin", b"\x00\x01\x02\x03" * 100, 415),
    ("arkiv.docx", files.plain_zip(), 415),     # a ZIP that is no Word document
    ("tom.pdf", b"", 422),
    ("x" * 996 + ".pdf", files.pdf(), 422),
    ("nul\x00byte.pdf", files.pdf(), 422),
])
def test_bad_files_are_refused_and_nothing_is_stored(api_as: Any, decision: dict[str, Any], name: str, data: bytes,
                                                     status: int) -> None:
    before = _stored()
    response = upload(api_as("politi"), decision["id"], name, data)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["message"]
    assert _stored() == before


def test_an_oversized_file_is_413_and_nothing_is_stored(api_as: Any, decision: dict[str, Any]) -> None:
    before = _stored()
    data = b"a" * (25 * 1024 * 1024 + 1)
    response = upload(api_as("politi"), decision["id"], "stor.txt", data)
    assert response.status_code == 413
    assert _stored() == before


def test_a_file_of_exactly_25_mb_is_kept(api_as: Any, decision: dict[str, Any]) -> None:
    data = b"a" * (25 * 1024 * 1024 - 1) + b"\n"
    response = upload(api_as("politi"), decision["id"], "stor.txt", data)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["size"] == len(data)


def test_no_file_field_or_no_multipart_is_a_clear_error(api_as: Any, decision: dict[str, Any]) -> None:
    politi = api_as("politi")
    path = f"/api/v1/decisions/{decision['id']}/attachments"
    missing = politi.client.post(path, data={"description": "x"}, headers=politi.headers,
                                 content_type="multipart/form-data")
    assert missing.status_code == 422 and "file" in missing.get_json()["error"]["fields"]
    assert politi.post(path, json={"file": "x"}).status_code == 415
    assert _stored() == (0, 0)


def test_only_police_and_admin_attach(api_as: Any, decision: dict[str, Any]) -> None:
    for user in ("herning", "revisor"):
        assert upload(api_as(user), decision["id"], "a.pdf", files.pdf()).status_code == 403
    assert upload(api_as("admin"), decision["id"], "a.pdf", files.pdf()).status_code == 201
    assert upload(api_as("politi"), 999_999, "a.pdf", files.pdf()).status_code == 404


def test_reads_follow_the_municipality_scope(api_as: Any, decision: dict[str, Any]) -> None:
    attachment = upload(api_as("politi"), decision["id"], "a.pdf", files.pdf()).get_json()
    assert api_as("herning").get(f"/api/v1/attachments/{attachment['id']}").status_code == 200
    assert api_as("revisor").get(f"/api/v1/decisions/{decision['id']}/attachments").status_code == 200
    holstebro = api_as("holstebro")
    assert holstebro.get(f"/api/v1/attachments/{attachment['id']}").status_code == 404
    assert holstebro.get(f"/api/v1/decisions/{decision['id']}/attachments").status_code == 404


def test_an_amended_decision_takes_no_attachment(api_as: Any, decision: dict[str, Any]) -> None:
    politi = api_as("politi")
    amendment = politi.post(f"/api/v1/decisions/{decision['id']}/amendments",
                            json={**decision_body(title="Udvidet afspærring"), "reason": "Diget gav efter."})
    assert amendment.status_code == 201, amendment.get_json()
    response = upload(politi, decision["id"], "a.pdf", files.pdf())
    assert response.status_code == 409
    assert str(amendment.get_json()["number"]) in response.get_json()["error"]["message"]
    assert upload(politi, amendment.get_json()["id"], "a.pdf", files.pdf()).status_code == 201


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_an_attachment_is_never_replaced_or_deleted(api_as: Any, decision: dict[str, Any], method: str) -> None:
    politi = api_as("politi")
    attachment = upload(politi, decision["id"], "a.pdf", files.pdf()).get_json()
    assert politi.open(method, f"/api/v1/attachments/{attachment['id']}").status_code == 405
    assert politi.get(f"/api/v1/attachments/{attachment['id']}").data == files.pdf()
