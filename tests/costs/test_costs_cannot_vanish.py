"""Costs that cannot vanish (issue 26, part 4): a settled line cannot be superseded (409, nothing written, the
line stays in its bearer's totals); an amendment supersedes the live lines of its own amendment line only;
amending the same decision twice is refused, so only the current version's lines count; every superseded line
gets a history entry naming the amendment (API and line page), and its bearer's users are told."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select

from lbs.decisions.models import CostLine, Decision
from lbs.extensions import db
from lbs.notifications.models import Kind, Notification
from tests import factories
from tests.decisions.test_api import body


@pytest.fixture
def incident(app):
    inc = factories.incident(municipalities=("657", "661"))
    db.session.commit()
    return inc


def _orgs() -> tuple[int, int]:
    return factories.organisation("Herning Kommune").id, factories.organisation("Holstebro Kommune").id


def _cost(bearer: int, amount: str) -> dict:
    return {"bearer": bearer, "category": "supplies", "estimate_dkk": amount}


def _totals(api, incident_id: int) -> dict[int, Decimal]:
    costs = api.get(f"/api/v1/incidents/{incident_id}/costs").get_json()
    out: dict[int, Decimal] = {}
    for total in costs["totals"]:
        out[total["bearer"]] = out.get(total["bearer"], Decimal(0)) + Decimal(str(total["estimate_dkk"]))
    return out


def _written(incident_id: int) -> tuple[int, int, int]:
    decisions = db.session.scalar(select(func.count()).select_from(Decision).where(Decision.incident_id == incident_id))
    lines = db.session.scalar(select(func.count()).select_from(CostLine).where(CostLine.incident_id == incident_id))
    superseded = db.session.scalar(select(func.count()).select_from(CostLine).where(
        CostLine.incident_id == incident_id, CostLine.superseded_by_id.is_not(None)))
    return decisions or 0, lines or 0, superseded or 0


def _settle(api_as, line_id: int) -> None:
    holstebro = api_as("holstebro")
    assert holstebro.patch(f"/api/v1/costs/{line_id}", json={"status": "accepted"}).status_code == 200
    settled = holstebro.patch(f"/api/v1/costs/{line_id}", json={"status": "settled", "actual_dkk": "5000"})
    assert settled.status_code == 200, settled.get_json()


def test_police_cannot_supersede_another_municipalitys_settled_line(api_as, incident):
    api = api_as("politi")
    herning, holstebro = _orgs()
    logged = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(
        costs=[_cost(herning, "1000"), _cost(holstebro, "5000")])).get_json()
    settled_id = next(c["id"] for c in logged["costs"] if c["bearer"] == holstebro)
    _settle(api_as, settled_id)
    before, totals = _written(incident.id), _totals(api, incident.id)

    refused = api.post(f"/api/v1/decisions/{logged['id']}/amendments",
                       json={"reason": "Nyt overslag", "costs": [_cost(herning, "2000")]})
    assert refused.status_code == 409 and "settled" in refused.get_json()["error"]["message"]
    assert _written(incident.id) == before
    assert _totals(api, incident.id) == totals and totals[holstebro] == Decimal("5000")
    assert api.get(f"/api/v1/costs/{settled_id}/history").get_json()[-1]["new"] == "settled"


def test_an_amendment_supersedes_the_lines_of_its_own_line_only(api_as, incident):
    api = api_as("politi")
    herning, holstebro = _orgs()
    other = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(
        title="Anden beslutning", costs=[_cost(holstebro, "7000")])).get_json()
    first = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(costs=[_cost(herning, "1000")])).get_json()
    amended = api.post(f"/api/v1/decisions/{first['id']}/amendments",
                       json={"reason": "Større beløb", "costs": [_cost(herning, "1500")]})
    assert amended.status_code == 201, amended.get_json()
    other_line = db.session.get(CostLine, other["costs"][0]["id"])
    first_line = db.session.get(CostLine, first["costs"][0]["id"])
    assert other_line is not None and first_line is not None
    db.session.refresh(other_line)
    db.session.refresh(first_line)
    assert other_line.superseded_by_id is None
    assert first_line.superseded_by_id == amended.get_json()["id"]
    assert _totals(api, incident.id) == {holstebro: Decimal("7000"), herning: Decimal("1500")}


def test_amending_the_same_decision_twice_counts_only_the_current_version(api_as, incident):
    api = api_as("politi")
    herning, _ = _orgs()
    first = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(costs=[_cost(herning, "1000")])).get_json()
    second = api.post(f"/api/v1/decisions/{first['id']}/amendments",
                      json={"reason": "Første rettelse", "costs": [_cost(herning, "2000")]}).get_json()
    before = _written(incident.id)
    again = api.post(f"/api/v1/decisions/{first['id']}/amendments",
                     json={"reason": "Anden rettelse", "costs": [_cost(herning, "3000")]})
    assert again.status_code == 409 and str(second["number"]) in again.get_json()["error"]["message"]
    assert _written(incident.id) == before
    third = api.post(f"/api/v1/decisions/{second['id']}/amendments",
                     json={"reason": "Anden rettelse", "costs": [_cost(herning, "3000")]})
    assert third.status_code == 201
    assert _totals(api, incident.id) == {herning: Decimal("3000")}
    # Each superseded line names the amendment that superseded it.
    for line_id, by in ((first["costs"][0]["id"], second), (second["costs"][0]["id"], third.get_json())):
        history = api.get(f"/api/v1/costs/{line_id}/history").get_json()
        assert [(h["field"], h["new"]) for h in history] == [("superseded_by", str(by["number"]))]


def test_the_superseded_lines_bearer_is_told(api_as, login, incident):
    api = api_as("politi")
    herning, holstebro = _orgs()
    first = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(
        costs=[_cost(herning, "1000"), _cost(holstebro, "4000")])).get_json()
    amendment = api.post(f"/api/v1/decisions/{first['id']}/amendments",
                         json={"reason": "Ny fordeling", "costs": [_cost(herning, "1200")]}).get_json()
    holstebro_line = next(c["id"] for c in first["costs"] if c["bearer"] == holstebro)
    told = db.session.scalars(select(Notification).where(Notification.kind == Kind.COST_LINE_SUPERSEDED)).all()
    assert {n.url for n in told} == {f"/costs/lines/{c['id']}" for c in first["costs"]}
    notes = api_as("holstebro").get("/api/v1/notifications").get_json()
    [note] = [n for n in notes if n["kind"] == "cost_line_superseded"]
    assert note["url"] == f"/costs/lines/{holstebro_line}"
    assert f"ændring {amendment['number']}" in note["title"] and "Holstebro Kommune" in note["title"]
    assert f"beslutning {first['number']}" in note["title"]
    # Herning's users are told of their own superseded line only, not of Holstebro's.
    herning_notes = api_as("herning").get("/api/v1/notifications").get_json()
    assert [n["url"] for n in herning_notes if n["kind"] == "cost_line_superseded"] == [
        f"/costs/lines/{next(c['id'] for c in first['costs'] if c['bearer'] == herning)}"]
    page = unescape(login("holstebro").get(f"/costs/lines/{holstebro_line}").get_data(as_text=True))
    assert f"Erstattet af ændring nr. {amendment['number']}, registreret af politi" in page


def test_an_amendment_without_costs_supersedes_nothing_and_tells_no_one(api_as, incident):
    api = api_as("politi")
    herning, _ = _orgs()
    first = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(costs=[_cost(herning, "1000")])).get_json()
    plain = api.post(f"/api/v1/decisions/{first['id']}/amendments", json={"reason": "Titel", "title": "Ny titel"})
    assert plain.status_code == 201
    assert api.get(f"/api/v1/costs/{first['costs'][0]['id']}/history").get_json() == []
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == Kind.COST_LINE_SUPERSEDED)) == 0
    assert _totals(api, incident.id) == {herning: Decimal("1000")}
