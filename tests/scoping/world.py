"""A district where Herning and Holstebro each have something the other must not read.

Three incidents logged through the API as ``politi``:

- ``herning_only``: names Herning; a cost borne by Herning (with a note and an invoice reference written by
  Herning) and one borne by Region Midtjylland. Holstebro must not see the incident at all.
- ``shared``: names Herning and Holstebro; one decision with a cost for each (Herning's with its note).
  Holstebro sees the incident and only its own line.
- ``bears_only``: names Herning only, but one cost is borne by Holstebro: Holstebro sees the incident (it pays
  in it) and only its own line.

Herning's lines carry markers (:data:`HERNING_MARKERS`: a description, a note, an invoice reference and an
amount written as the API, the pages and the exports write it) that must never appear in anything Holstebro
reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from lbs.extensions import db
from lbs.organisations.models import Organisation
from lbs.staffs.models import Person
from lbs.timeutil import utcnow

HERNING_AMOUNT = "987654.32"
HERNING_MARKERS = ("Herning-hemmelig-beskrivelse", "beboer i stuen med iltapparat", "HERN-FAKTURA-4711",
                   "987654.32", "987.654,32", "987654,32", "987654")
HOLSTEBRO_AMOUNT = "12345.67"
REGION_MARKER = "Region-beskrivelse-xyz"


@dataclass
class World:
    herning_only: int
    shared: int
    bears_only: int
    herning_org: int
    holstebro_org: int
    region_org: int
    herning_lines: list[int]
    holstebro_lines: list[int]
    region_lines: list[int]
    herning_only_decision: int
    shared_decision: int


def _org(name: str) -> int:
    return db.session.scalars(select(Organisation.id).where(Organisation.name == name)).one()


def _person() -> int:
    return db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()


def _incident(api: Any, title: str, codes: list[str]) -> int:
    response = api.post("/api/v1/incidents", json={
        "title": title, "kind": "flood", "started_at": (utcnow() - timedelta(hours=5)).isoformat(),
        "municipalities": codes})
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def _decision(api: Any, incident_id: int, title: str, costs: list[dict[str, Any]]) -> dict[str, Any]:
    response = api.post(f"/api/v1/incidents/{incident_id}/decisions", json={
        "staff": "LBS-O", "decided_at": (utcnow() - timedelta(minutes=3)).isoformat(), "decided_by": _person(),
        "owner": _org("Midt- og Vestjyllands Politi"), "type": "evacuation", "title": title,
        "decision": "Beboere evakueres.", "rationale": "Vandet stiger.", "costs": costs,
        "missing_reason": "Testdata."})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def build(api_as: Any) -> World:
    """Log the three incidents and let Herning write its note and invoice reference on its lines."""
    politi, herning = api_as("politi"), api_as("herning")
    herning_org, holstebro_org = _org("Herning Kommune"), _org("Holstebro Kommune")
    region_org = _org("Region Midtjylland")

    def herning_line() -> dict[str, Any]:
        return {"bearer": herning_org, "category": "emergency_accommodation", "estimate_dkk": HERNING_AMOUNT,
                "description": "Herning-hemmelig-beskrivelse"}

    holstebro_line = {"bearer": holstebro_org, "category": "catering", "estimate_dkk": HOLSTEBRO_AMOUNT,
                      "description": "Holstebro forplejning"}
    region_line = {"bearer": region_org, "category": "evacuation_transport", "estimate_dkk": "5000",
                   "description": REGION_MARKER}

    herning_only = _incident(politi, "Kun Herning: oversvømmelse ved Fuglsang Sø", ["657"])
    first = _decision(politi, herning_only, "Evakuering Fuglsang", [herning_line(), region_line])
    shared = _incident(politi, "Fælles: stormflod ved Storå", ["657", "661"])
    second = _decision(politi, shared, "Evakuering Storå", [herning_line(), holstebro_line])
    bears_only = _incident(politi, "Herning med Holstebros bus", ["657"])
    third = _decision(politi, bears_only, "Bus fra Holstebro", [herning_line(), holstebro_line])

    def lines_of(org: int) -> list[int]:
        return [c["id"] for d in (first, second, third) for c in d["costs"] if c["bearer"] == org]

    for line in lines_of(herning_org):
        response = herning.patch(f"/api/v1/costs/{line}", json={
            "status": "disputed", "note": "beboer i stuen med iltapparat", "invoice_ref": "HERN-FAKTURA-4711"})
        assert response.status_code == 200, response.get_json()
    return World(herning_only=herning_only, shared=shared, bears_only=bears_only, herning_org=herning_org,
                 holstebro_org=holstebro_org, region_org=region_org, herning_lines=lines_of(herning_org),
                 holstebro_lines=lines_of(holstebro_org), region_lines=lines_of(region_org),
                 herning_only_decision=first["id"], shared_decision=second["id"])


def leaks(text: str) -> list[str]:
    """The Herning markers found in ``text``."""
    return [marker for marker in HERNING_MARKERS if marker in text]
