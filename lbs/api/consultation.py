"""The consultation graph API: parties and the rule graph."""

from __future__ import annotations

from typing import Any

import networkx as nx
from flask import jsonify
from flask.typing import ResponseReturnValue

from lbs.api.blueprint import api_bp
from lbs.api.frame import endpoint
from lbs.api.schemas import array_of, component, enum_of, list_component, obj
from lbs.consultation import parties, ruleset
from lbs.consultation.models import Mode

PARTY = component("ConsultationParty", obj({
    "key": {"type": "string"}, "name": {"type": "string"}, "organisation_id": {"type": "integer"},
    "position_id": {"type": ["integer", "null"]}}))
MODE = enum_of("ConsultationMode", [m.value for m in Mode], "inform < consult < approve")
NODE = component("ConsultationGraphNode", obj({
    "id": {"type": "string"}, "kind": enum_of("ConsultationGraphNodeKind", ["condition", "party"]),
    "label": {"type": "string"}}, ["id", "kind", "label"]))
EDGE = component("ConsultationGraphEdge", obj({
    "source": {"type": "string"}, "target": {"type": "string"}, "rule": {"type": "string"}, "mode": MODE,
    "timing": {"type": "string"}}, ["source", "target", "rule", "mode"]))
GRAPH = component("ConsultationGraph", obj({
    "directed": {"type": "boolean"}, "multigraph": {"type": "boolean"},
    "graph": component("ConsultationGraphAttributes", {"type": "object", "description": "e.g. rules_version"}),
    "nodes": array_of(NODE), "edges": array_of(EDGE)}))


def graph_json(graph: nx.DiGraph) -> dict[str, Any]:
    data: dict[str, Any] = nx.node_link_data(graph, edges="edges")
    data["graph"] = dict(data.get("graph") or {})
    return data


@endpoint(api_bp, "/consultation/parties", "GET", operation_id="listConsultationParties",
          summary="List consultation parties", tag="consultation",
          responses={200: list_component("ConsultationPartyList", PARTY)})
def list_consultation_parties() -> ResponseReturnValue:
    return jsonify([
        {"key": p.key, "name": p.name, "organisation_id": p.organisation_id, "position_id": p.position_id}
        for p in parties.list_parties()
    ])


@endpoint(api_bp, "/consultation/graph", "GET", operation_id="getConsultationGraph",
          summary="The consultation rule graph (networkx node-link JSON)", tag="consultation",
          responses={200: GRAPH})
def consultation_graph() -> ResponseReturnValue:
    graph = ruleset.rule_graph()
    data = graph_json(graph)
    data["graph"]["rules_version"] = ruleset.current_ruleset().version
    return jsonify(data)
