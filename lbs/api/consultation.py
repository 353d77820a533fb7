"""The consultation graph API: parties and the rule graph."""

from __future__ import annotations

from typing import Any

import networkx as nx
from flask import jsonify
from flask.typing import ResponseReturnValue

from lbs.api.blueprint import api_bp
from lbs.api.frame import endpoint
from lbs.api.schemas import array_of, obj
from lbs.consultation import parties, ruleset

PARTY = obj({"key": {"type": "string"}, "name": {"type": "string"}, "organisation_id": {"type": "integer"},
             "position_id": {"type": ["integer", "null"]}})
GRAPH = obj(
    {"directed": {"type": "boolean"}, "multigraph": {"type": "boolean"}, "graph": {"type": "object"},
     "nodes": array_of(obj({"id": {"type": "string"}, "kind": {"type": "string", "enum": ["condition", "party"]},
                            "label": {"type": "string"}}, ["id", "kind", "label"])),
     "edges": array_of(obj({"source": {"type": "string"}, "target": {"type": "string"}, "rule": {"type": "string"},
                            "mode": {"type": "string", "enum": ["inform", "consult", "approve"]},
                            "timing": {"type": "string"}}, ["source", "target", "rule", "mode"]))},
)


def graph_json(graph: nx.DiGraph) -> dict[str, Any]:
    data: dict[str, Any] = nx.node_link_data(graph, edges="edges")
    data["graph"] = dict(data.get("graph") or {})
    return data


@endpoint(api_bp, "/consultation/parties", "GET", summary="List consultation parties", tag="consultation",
          responses={200: array_of(PARTY)})
def list_consultation_parties() -> ResponseReturnValue:
    return jsonify([
        {"key": p.key, "name": p.name, "organisation_id": p.organisation_id, "position_id": p.position_id}
        for p in parties.list_parties()
    ])


@endpoint(api_bp, "/consultation/graph", "GET", summary="The consultation rule graph (networkx node-link JSON)",
          tag="consultation", responses={200: GRAPH})
def consultation_graph() -> ResponseReturnValue:
    graph = ruleset.rule_graph()
    data = graph_json(graph)
    data["graph"]["rules_version"] = ruleset.current_ruleset().version
    return jsonify(data)
