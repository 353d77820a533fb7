"""The review read by a municipality user: incidents in its scope, and of the costs only its own lines."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from lbs.auth.models import User
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.review import pack
from lbs.review.access import get_incident_for, may_read_incident
from lbs.review.signoff import sign_off
from tests.review.packs import built_pack
from tests.scoping.world import World, build, leaks


@pytest.fixture
def world(api_as: Any) -> World:
    return build(api_as)


@pytest.fixture
def pdf_html(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The HTML each PDF is rendered from (the PDF itself is compressed): WeasyPrint stands aside."""
    rendered: list[str] = []

    class FakeHTML:
        def __init__(self, string: str) -> None:
            rendered.append(string)

        def write_pdf(self) -> bytes:
            return b"%PDF-1.7 test"

    import weasyprint

    monkeypatch.setattr(weasyprint, "HTML", FakeHTML)
    return rendered


def _user(name: str) -> User:
    return db.session.scalars(select(User).where(User.username == name)).one()


def _text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_access_is_the_read_scope(world: World) -> None:
    # Holstebro bears a line in bears_only, which names Herning alone: it reads its review.
    assert may_read_incident(_user("holstebro"), world.bears_only)
    assert not may_read_incident(_user("holstebro"), world.herning_only)
    assert may_read_incident(_user("politi"), world.herning_only)
    with pytest.raises(Exception) as error:
        get_incident_for(_user("holstebro"), world.herning_only)
    assert getattr(error.value, "status", None) == 404


@pytest.mark.parametrize("incident", ["shared", "bears_only"])
def test_holstebros_review_page_shows_only_its_lines(login: Any, world: World, incident: str) -> None:
    html = _text(login("holstebro").get(f"/review/incidents/{getattr(world, incident)}"))
    # Herning's parties may show in the consultations (the incident's, not costs); its lines never.
    assert leaks(html) == [] and "Region-beskrivelse-xyz" not in html
    assert "12.345,67" in html


def test_herning_and_police_still_read_theirs(login: Any, client: Any, world: World) -> None:
    herning = _text(login("herning").get(f"/review/incidents/{world.shared}"))
    assert "987.654,32" in herning and "12.345,67" not in herning
    client.post("/logout")
    police = _text(login("politi").get(f"/review/incidents/{world.shared}"))
    assert "987.654,32" in police and "12.345,67" in police


def test_out_of_scope_review_downloads_are_not_found(login: Any, world: World) -> None:
    client = login("holstebro")
    for suffix in ("", "/pack.zip", "/review.pdf", "/findings.csv"):
        assert client.get(f"/review/incidents/{world.herning_only}{suffix}").status_code == 404


def test_holstebros_pack_and_pdf_hold_only_its_lines(login: Any, world: World, pdf_html: list[str]) -> None:
    pdf_html.clear()
    built_pack(world.shared, "holstebro")  # the PDF is rendered when the worker builds the pack
    assert pdf_html and all(leaks(html) == [] for html in pdf_html)
    assert "Holstebro Kommune" in pdf_html[0]
    client = login("holstebro")
    response = client.get(f"/review/incidents/{world.shared}/pack.zip")
    assert response.status_code == 200
    data = response.get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            assert leaks(archive.read(name).decode("utf-8", "replace")) == [], name
        costs = archive.read("costs.csv").decode("utf-8")
        manifest = json.loads(archive.read("manifest.json"))
    assert "Holstebro Kommune" in costs and "Herning Kommune" not in costs
    assert manifest["costs_of_municipality"] == "661"
    assert pack.verify_pack(data).ok  # the manifest hashes the files actually in the pack
    assert _text(client.get(f"/review/incidents/{world.shared}/findings.csv")) is not None
    assert client.get(f"/review/incidents/{world.shared}/review.pdf").status_code == 200


def test_police_pack_holds_every_bearer(login: Any, world: World, pdf_html: list[str]) -> None:
    built_pack(world.shared, "politi")
    data = login("politi").get(f"/review/incidents/{world.shared}/pack.zip").get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        costs = archive.read("costs.csv").decode("utf-8")
        assert "costs_of_municipality" not in json.loads(archive.read("manifest.json"))
    assert "Herning Kommune" in costs and "Holstebro Kommune" in costs
    assert pack.verify_pack(data).ok


def test_the_signed_pack_is_refused_to_a_municipality(login: Any, client: Any, world: World,
                                                     pdf_html: list[str]) -> None:
    built_pack(world.shared, "revisor")
    record = sign_off(by=_user("revisor"), incident=db.session.get(Incident, world.shared))
    db.session.commit()
    url = f"/review/incidents/{world.shared}/sign-offs/{record.id}/pack.zip"
    page = _text(login("holstebro").get(f"/review/incidents/{world.shared}"))
    assert "sign-offs/" not in page and record.pack_sha256 in page
    assert client.get(url).status_code == 403
    client.post("/logout")
    assert login("politi").get(url).status_code == 200


def test_api_review_of_holstebro(api_as: Any, world: World) -> None:
    holstebro = api_as("holstebro")
    for incident in (world.shared, world.bears_only):
        body = holstebro.get(f"/api/v1/incidents/{incident}/review").get_json()
        assert [c["bearer"] for c in body["costs"]] == [world.holstebro_org]
        assert leaks(json.dumps(body)) == []
        assert holstebro.get(f"/api/v1/incidents/{incident}/findings").status_code == 200
    police = api_as("politi").get(f"/api/v1/incidents/{world.shared}/review").get_json()
    assert {c["bearer"] for c in police["costs"]} == {world.holstebro_org, world.herning_org}


def test_review_search_is_scoped(login: Any, client: Any, world: World) -> None:
    holstebro = login("holstebro")
    html = _text(holstebro.get("/review/?q="))
    assert "Kun Herning" not in html and "Fælles: stormflod" in html and "Herning med Holstebros bus" in html
    assert leaks(html) == []
    # Herning's lines are disputed, Holstebro's are not: no incident has a disputed line of Holstebro's.
    disputed = _text(holstebro.get("/review/?disputed_only=y"))
    assert "Fælles: stormflod" not in disputed and "Herning med Holstebros bus" not in disputed
    client.post("/logout")
    herning = _text(login("herning").get("/review/?disputed_only=y"))
    assert "Fælles: stormflod" in herning and "Kun Herning" in herning and "987.654,32" in herning
