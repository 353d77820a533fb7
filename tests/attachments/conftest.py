from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lbs.extensions import db
from lbs.organisations.models import Organisation
from lbs.staffs.models import Person
from lbs.timeutil import utcnow


def decision_body(**overrides: Any) -> dict[str, Any]:
    person = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
    police = db.session.scalars(select(Organisation.id)
                                .where(Organisation.name == "Midt- og Vestjyllands Politi")).one()
    body = {"staff": "LBS-O", "decided_at": (utcnow() - timedelta(minutes=2)).isoformat(), "decided_by": person,
            "owner": police, "type": "cordon", "title": "Afspærring ved diget", "decision": "Diget afspærres.",
            "rationale": "Diget er svækket."}
    body.update(overrides)
    return body


@pytest.fixture
def decision(api_as: Any) -> dict[str, Any]:
    politi = api_as("politi")
    incident = politi.post("/api/v1/incidents", json={
        "title": "Digebrud ved Ringkøbing Fjord", "kind": "flood",
        "started_at": (utcnow() - timedelta(hours=3)).isoformat(), "municipalities": ["657"]}).get_json()
    response = politi.post(f"/api/v1/incidents/{incident['id']}/decisions", json=decision_body())
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def multipart(name: str, data: bytes, description: str | None = None,
              content_type: str = "application/octet-stream") -> tuple[bytes, str]:
    """A multipart/form-data body with the file (and the description), and its Content-Type: built here in one
    piece, as a browser sends it (the test client would spool a large one to a file it never closes)."""
    boundary = "lbs-test-boundary-7f3a"
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
             f"Content-Type: {content_type}\r\n\r\n".encode(), data, b"\r\n"]
    if description is not None:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\n'
                     f"{description}\r\n".encode())
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload(api: Any, decision_id: int, name: str, data: bytes, description: str | None = None,
           content_type: str = "application/octet-stream") -> Any:
    body, mimetype = multipart(name, data, description, content_type)
    return api.client.post(f"/api/v1/decisions/{decision_id}/attachments", data=body,
                           headers={**api.headers, "Content-Type": mimetype})


RECORDED_PDF = "Vurdering af diget æøå.pdf"


@pytest.fixture
def recorded(api_as: Any, decision: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``decision`` with a PDF (named with spaces and æøå, with a description) and a PNG attached."""
    from tests.attachments import files

    politi = api_as("politi")
    found = []
    for name, data, text in ((RECORDED_PDF, files.pdf(), "Beredskabets vurdering"), ("diget.png", files.png(), None)):
        response = upload(politi, decision["id"], name, data, text)
        assert response.status_code == 201, response.get_json()
        found.append(response.get_json())
    return decision, found
