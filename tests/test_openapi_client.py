"""The OpenAPI document as a client generator sees it: named component schemas."""

from __future__ import annotations

from typing import Any

METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_schemas_are_named_components_used_by_ref(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for name in ("Incident", "IncidentList", "Decision", "DecisionInput", "AmendmentInput", "DecisionList",
                 "CostLine", "CostLineUpdate", "IncidentCosts", "Consultation", "Position", "Assignment", "Person",
                 "Staff", "Error"):
        assert name in schemas, name
    refs = _refs(document)
    assert refs and all(ref.startswith("#/components/schemas/") for ref in refs)
    assert {ref.rsplit("/", 1)[1] for ref in refs} <= set(schemas)  # none dangles
    # Every request and response body of JSON is a named schema (a list wrapper is one too), never inline.
    for path, method, operation in _operations(document):
        bodies = [operation.get("requestBody", {}).get("content", {})] + [
            response.get("content", {}) for response in operation["responses"].values()]
        for content in bodies:
            schema = content.get("application/json", {}).get("schema")
            assert schema is None or set(schema) == {"$ref"}, (method, path, schema)
        errors = [response for status, response in operation["responses"].items() if status >= "400"]
        assert all(r["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
                   for r in errors), (method, path)
    logged = document["paths"]["/api/v1/incidents/{incident_id}/decisions"]["post"]
    assert logged["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/DecisionInput")
    assert logged["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/Decision")
