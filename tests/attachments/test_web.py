"""The decision page's attachments: the list, "Vedhæft fil" (several files, all or nothing, Danish errors),
download and image preview, and who may do what."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from lbs.decisions.attachment_models import Attachment, AttachmentChunk
from lbs.extensions import db
from tests.attachments import files
from tests.attachments.conftest import decision_body, upload

BOUNDARY = "lbs-web-boundary-91c2"


def form_body(parts: list[tuple[str, bytes]], description: str | None = None,
              field: str = "files") -> tuple[bytes, str]:
    """A multipart body with the files under ``field`` (several parts of the same name, as a browser sends
    ``<input type=file multiple>``) and the description."""
    chunks: list[bytes] = []
    for name, data in parts:
        quoted = name.replace('"', '\\"')
        chunks += [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{quoted}"\r\n'
                   "Content-Type: application/octet-stream\r\n\r\n".encode(), data, b"\r\n"]
    if description is not None:
        chunks.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="description"\r\n\r\n'
                      f"{description}\r\n".encode())
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={BOUNDARY}"


def send(client: Any, decision_id: int, parts: list[tuple[str, bytes]], description: str | None = None) -> Any:
    body, mimetype = form_body(parts, description)
    return client.post(f"/decisions/{decision_id}/attachments", data=body, headers={"Content-Type": mimetype})


def stored() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Attachment)) or 0,
            db.session.scalar(select(func.count()).select_from(AttachmentChunk)) or 0)


def test_several_files_are_attached_listed_and_downloaded(login: Any, decision: dict[str, Any]) -> None:
    client = login("politi")
    pdf, png = files.pdf("vurdering"), files.png()
    response = send(client, decision["id"], [("Brandvæsenets vurdering.pdf", pdf), ("diget.png", png)],
                    description="Foto og vurdering fra kl. 02:14")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/decisions/{decision['id']}#attachments")
    page = client.get(f"/decisions/{decision['id']}").get_data(as_text=True)
    assert "2 filer vedhæftet beslutning" in page
    assert '<h2 id="attachments-heading">Bilag</h2>' in page
    assert "Brandvæsenets vurdering.pdf" in page and "PDF-dokument" in page and "PNG-billede" in page
    assert "vedhæftet " in page and "Politi (demo) (politi)" in page
    assert hashlib.sha256(pdf).hexdigest() in page and hashlib.sha256(pdf).hexdigest()[:12] + "…" in page
    found = db.session.scalars(select(Attachment).order_by(Attachment.seq)).all()
    assert [a.filename for a in found] == ["Brandvæsenets vurdering.pdf", "diget.png"]
    assert all(a.description == "Foto og vurdering fra kl. 02:14" for a in found)
    pdf_id, png_id = found[0].id, found[1].id
    assert f'src="/attachments/{png_id}/preview"' in page and 'alt="Foto og vurdering fra kl. 02:14"' in page
    assert f"/attachments/{pdf_id}/preview" not in page  # only images are previewed
    download = client.get(f"/attachments/{pdf_id}")
    assert download.status_code == 200 and download.data == pdf
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    preview = client.get(f"/attachments/{png_id}/preview")
    assert preview.status_code == 200 and preview.data == png
    assert preview.headers["Content-Disposition"].startswith("inline;")
    assert preview.headers["Content-Type"] == "image/png"
    assert client.get(f"/attachments/{pdf_id}/preview").status_code == 404


@pytest.mark.parametrize(("size", "text"), [(512, "512 byte"), (1536, "1,5\u00a0kB"),
                                             (int(1.2 * 1024 * 1024), "1,2\u00a0MB")])
def test_sizes_are_in_danish(app: Flask, size: int, text: str) -> None:
    from lbs.decisions.attachment_forms import size_text

    with app.test_request_context("/"):
        assert size_text(size) == text


@pytest.mark.parametrize(("parts", "message"), [
    ([("side.html", b"<html><script>alert(1)</script></html>")],
     "Filtypen kan ikke vedhæftes: kun PDF, PNG, JPEG, tekst, CSV, DOCX, XLSX, ODT og ODS, genkendt på indholdet."),
    ([("vurdering.pdf", files.png())], "Filens navn siger PDF-dokument, men indholdet er PNG-billede."),
    ([("tom.pdf", b"")], "Filen er tom."),
    ([("x" * 300 + ".pdf", files.pdf())], "Filnavnet kan ikke gemmes: højst 200 tegn og ingen kontroltegn."),
    ([("god.pdf", files.pdf()), ("ond.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")], "ond.svg: Filtypen"),
])
def test_a_bad_file_is_a_danish_form_error_and_nothing_is_stored(login: Any, decision: dict[str, Any],
                                                                 parts: list[tuple[str, bytes]], message: str) -> None:
    client = login("politi")
    before = stored()
    response = send(client, decision["id"], parts)
    assert response.status_code == 422
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert message in page
    assert 'class="error-summary"' in page and 'id="files-error"' in page
    assert stored() == before


def test_no_file_chosen_is_a_form_error(login: Any, decision: dict[str, Any]) -> None:
    client = login("politi")
    response = client.post(f"/decisions/{decision['id']}/attachments", data={"description": "x"})
    assert response.status_code == 422 and "Vælg mindst én fil." in response.get_data(as_text=True)
    assert stored() == (0, 0)


def test_an_amended_decision_names_its_current_version(login: Any, api_as: Any, decision: dict[str, Any]) -> None:
    politi = api_as("politi")
    amended = politi.post(f"/api/v1/decisions/{decision['id']}/amendments",
                          json={**decision_body(title="Ny afspærring"), "reason": "Diget holder"})
    assert amended.status_code == 201, amended.get_json()
    client = login("politi")
    response = send(client, decision["id"], [("vurdering.pdf", files.pdf())])
    assert response.status_code == 422
    assert (f"Beslutning {decision['number']} er ændret: vedhæft filen til den gældende version, beslutning "
            f"{amended.get_json()['number']}.") in response.get_data(as_text=True)
    assert stored() == (0, 0)
    # The amended version's page lists its attachments but offers no form.
    assert "Vedhæft fil" not in client.get(f"/decisions/{decision['id']}").get_data(as_text=True)


def test_a_file_over_25_mb_is_refused(login: Any, decision: dict[str, Any]) -> None:
    client = login("politi")
    big = b"%PDF-1.4\n" + b"0" * (25 * 1024 * 1024)
    response = send(client, decision["id"], [("stor.pdf", big)])
    assert response.status_code == 422
    assert "stor.pdf: Filen er større end 25 MB." in response.get_data(as_text=True)
    assert stored() == (0, 0)


def test_a_body_over_the_limit_is_a_readable_page(app: Flask, login: Any, decision: dict[str, Any],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from lbs.decisions.attachment_forms import MAX_FILES_BODY
    from lbs.web import MAX_BODY

    client = login("politi")
    view = app.view_functions["attachments.attach"]
    assert getattr(view, MAX_BODY) == MAX_FILES_BODY >= 4 * 25 * 1024 * 1024
    app.config["MAX_CONTENT_LENGTH"] = 1024  # the app's limit does not apply to the upload route ...
    assert send(client, decision["id"], [("lille.pdf", files.pdf() + b"0" * 4096)]).status_code == 302
    monkeypatch.setattr(view, MAX_BODY, 8192)  # ... its own does
    response = send(client, decision["id"], [("a.pdf", files.pdf() + b"0" * 4096),
                                             ("b.pdf", files.pdf() + b"1" * 4096)])
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Filerne er for store" in page and "Intet blev gemt" in page
    assert f'href="/decisions/{decision["id"]}#attachments"' in page
    assert stored()[0] == 1


@pytest.mark.parametrize("username", ["herning", "revisor"])
def test_municipality_and_reviewer_read_but_never_upload(login: Any, api_as: Any, decision: dict[str, Any],
                                                         username: str) -> None:
    done = upload(api_as("politi"), decision["id"], "vurdering.pdf", files.pdf()).get_json()
    client = login(username)
    page = client.get(f"/decisions/{decision['id']}").get_data(as_text=True)
    assert "vurdering.pdf" in page and "Vedhæft fil" not in page and 'type="file"' not in page
    assert client.get(f"/attachments/{done['id']}").data == files.pdf()
    assert send(client, decision["id"], [("mere.pdf", files.pdf())]).status_code == 403
    assert stored()[0] == 1


def test_another_municipality_gets_404(login: Any, api_as: Any, decision: dict[str, Any]) -> None:
    done = upload(api_as("politi"), decision["id"], "diget.png", files.png()).get_json()
    client = login("holstebro")
    assert client.get(f"/attachments/{done['id']}").status_code == 404
    assert client.get(f"/attachments/{done['id']}/preview").status_code == 404
    assert client.get(f"/decisions/{decision['id']}").status_code == 404


def test_admin_sees_the_form_and_the_drop_zone_script(login: Any, decision: dict[str, Any]) -> None:
    page = login("admin").get(f"/decisions/{decision['id']}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and re.search(r'<input[^>]*multiple[^>]*type="file"', page)
    assert "/static/js/dropzone.js" in page and "data-dropzone" in page


def test_the_page_without_attachments_says_so(login: Any, decision: dict[str, Any]) -> None:
    page = login("revisor").get(f"/decisions/{decision['id']}").get_data(as_text=True)
    assert "Ingen bilag." in page and "attachment-list" not in page


def test_with_csrf_on_a_file_over_the_apps_body_limit_is_attached(app: Flask, login: Any,
                                                                  decision: dict[str, Any]) -> None:
    """CSRF protection reads the form first: the upload route's own limit must already hold then."""
    client = login("politi")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(f"/decisions/{decision['id']}").get_data(as_text=True)
    form = page[page.index('class="stacked-form attach-form"'):]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert token is not None
    data = files.pdf() + b"0" * (6 * 1024 * 1024)
    body, mimetype = form_body([("stor.pdf", data)])
    body = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token.group(1)}\r\n'
            .encode() + body)
    response = client.post(f"/decisions/{decision['id']}/attachments", data=body, headers={"Content-Type": mimetype})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert db.session.scalars(select(Attachment.size)).all() == [len(data)]
    without = send(client, decision["id"], [("igen.pdf", files.pdf())])
    assert without.status_code == 400 and stored()[0] == 1


def test_a_body_over_the_apps_limit_on_another_form_is_a_readable_page(login: Any,
                                                                       decision: dict[str, Any]) -> None:
    """Not an upload route: the app's 4 MB limit, and the usual error page (the layout reads no body)."""
    client = login("politi")
    response = client.post(f"/decisions/{decision['id']}/amend", data={"reason": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Forespørgslen er for stor" in response.get_data(as_text=True)
    elsewhere = client.post("/incidents", data={"title": "x" * (5 * 1024 * 1024)})
    assert elsewhere.status_code == 413 and "Forespørgslen er for stor" in elsewhere.get_data(as_text=True)
