"""Reference data: organisations, municipalities, staffs."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from lbs.api.blueprint import api_bp
from lbs.api.frame import endpoint
from lbs.api.schemas import component, enum_of, list_component, obj
from lbs.organisations import services as organisations
from lbs.organisations.models import OrgKind
from lbs.staffs import services as staffs


def organisation_json(org: Any) -> dict[str, Any]:
    return {"id": org.id, "name": org.name, "kind": org.kind.value, "parent_id": org.parent_id}


ORGANISATION = component("Organisation", obj(
    {"id": {"type": "integer"}, "name": {"type": "string"},
     "kind": enum_of("OrganisationKind", [k.value for k in OrgKind]),
     "parent_id": {"type": ["integer", "null"]}}
))
MUNICIPALITY = component("Municipality", obj(
    {"code": {"type": "string", "pattern": "^[0-9]{3}$"}, "name": {"type": "string"},
     "organisation_id": {"type": "integer"}, "region": {"type": "string"}}
))
STAFF = component("Staff", obj(
    {"code": {"type": "string"}, "name": {"type": "string"},
     "level": enum_of("StaffLevel", ["strategic", "operative"]),
     "parent": {"type": ["string", "null"]}}
))


@endpoint(api_bp, "/organisations", "GET", operation_id="listOrganisations", summary="List organisations",
          tag="reference", responses={200: list_component("OrganisationList", ORGANISATION)})
def list_organisations() -> ResponseReturnValue:
    return jsonify([organisation_json(o) for o in organisations.list_organisations()])


@endpoint(api_bp, "/municipalities", "GET", operation_id="listMunicipalities",
          summary="List the district's municipalities", tag="reference",
          responses={200: list_component("MunicipalityList", MUNICIPALITY)})
def list_municipalities() -> ResponseReturnValue:
    return jsonify([
        {"code": m.code, "name": m.name, "organisation_id": m.organisation_id, "region": m.region}
        for m in organisations.list_municipalities()
    ])


@endpoint(api_bp, "/staffs", "GET", operation_id="listStaffs", summary="List the staffs (LBS-S, LBS-O)",
          tag="reference", responses={200: list_component("StaffList", STAFF)})
def list_staffs() -> ResponseReturnValue:
    return jsonify([
        {"code": s.code, "name": s.name, "level": s.level.value, "parent": s.parent.code if s.parent else None}
        for s in staffs.list_staffs()
    ])
