"""Files attached in the decision form itself: logged with the decision in one transaction, all or nothing;
without files the form behaves exactly as before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from lbs.decisions.attachment_models import Attachment
from lbs.decisions.models import Decision
from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.staffs.models import Person
from lbs.timeutil import to_local, utcnow
from tests import factories
from tests.attachments import files

BOUNDARY = "lbs-form-boundary-3d81"


def _fields(**overrides: str) -> dict[str, str]:
    pid = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
    data = {
        "staff": "LBS-O", "decided_at": to_local(utcnow() - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M"),
        "decided_by": str(pid), "owner": str(factories.organisation("Midt- og Vestjyllands Politi").id),
        "type": "cordon", "title": "Afspærring af Torvet", "decision": "Torvet afspærres.",
        "rationale": "Vand på Torvet.",
    }
    data.update(overrides)
    return data


def _multipart(fields: dict[str, str], parts: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    chunks = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
              for k, v in fields.items()]
    for name, data in parts:
        chunks += [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                   "Content-Type: application/octet-stream\r\n\r\n".encode(), data, b"\r\n"]
    if not parts:  # a browser sends an empty file input as a part without a name
        chunks.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename=""\r\n'
                      "Content-Type: application/octet-stream\r\n\r\n\r\n".encode())
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={BOUNDARY}"


def _incident() -> Incident:
    return db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _post(client: Any, fields: dict[str, str], parts: list[tuple[str, bytes]]) -> Any:
    body, mimetype = _multipart(fields, parts)
    return client.post(f"/incidents/{_incident().id}/decisions/new", data=body, headers={"Content-Type": mimetype})


def test_the_form_is_multipart_with_an_optional_file_input(login: Any) -> None:
    page = login("politi").get(f"/incidents/{_incident().id}/decisions/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="files"' in page and "Bilag (valgfrit)" in page
    assert "/static/js/dropzone.js" in page


def test_files_are_attached_as_the_decision_is_logged(login: Any) -> None:
    client = login("politi")
    response = _post(client, _fields(), [("plan.pdf", files.pdf()), ("kort.jpg", files.jpeg())])
    assert response.status_code == 302 and response.headers["Location"].endswith("#attachments")
    decision = db.session.scalars(select(Decision).where(Decision.title == "Afspærring af Torvet")).one()
    found = db.session.scalars(select(Attachment).where(Attachment.decision_id == decision.id)
                               .order_by(Attachment.seq)).all()
    assert [(a.filename, a.content_type) for a in found] == [("plan.pdf", "application/pdf"),
                                                             ("kort.jpg", "image/jpeg")]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Beslutning {decision.number} er registreret med 2 bilag." in page


def test_a_refused_file_refuses_the_decision_too(login: Any) -> None:
    client = login("politi")
    decisions, attachments = _count(Decision), _count(Attachment)
    response = _post(client, _fields(), [("plan.pdf", files.pdf()), ("tom.txt", b"")])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "tom.txt: Filen er tom." in page and 'id="files-error"' in page
    assert 'value="Afspærring af Torvet"' in page  # what was typed is kept
    assert (_count(Decision), _count(Attachment)) == (decisions, attachments)


def test_without_files_the_form_logs_as_before(login: Any) -> None:
    client = login("politi")
    response = _post(client, _fields(title="Uden bilag"), [])
    assert response.status_code == 302 and not response.headers["Location"].endswith("#attachments")
    decision = db.session.scalars(select(Decision).where(Decision.title == "Uden bilag")).one()
    assert _count(Attachment) == 0
    assert f"Beslutning {decision.number} er registreret." in client.get(response.headers["Location"]).get_data(
        as_text=True)
    # An url-encoded post (no file input at all) still works.
    plain = client.post(f"/incidents/{_incident().id}/decisions/new", data=_fields(title="Uden formular"))
    assert plain.status_code == 302


def test_amendment_form_stays_without_files(login: Any) -> None:
    client = login("politi")
    _post(client, _fields(title="Skal ændres"), [])
    decision = db.session.scalars(select(Decision).where(Decision.title == "Skal ændres")).one()
    page = client.get(f"/decisions/{decision.id}/amend").get_data(as_text=True)
    assert 'name="files"' not in page and "multipart/form-data" not in page


def test_the_form_takes_a_body_of_several_files(app: Any) -> None:
    from lbs.decisions.attachment_forms import MAX_FILES_BODY
    from lbs.web import MAX_BODY

    assert getattr(app.view_functions["decisions.new"], MAX_BODY) == MAX_FILES_BODY
    assert getattr(app.view_functions["decisions.amend"], MAX_BODY, None) is None  # amendments take no files
