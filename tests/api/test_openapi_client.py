"""The OpenAPI document as a client generator sees it: human operation ids, named component schemas, and a
client generated with openapi-python-client that logs a decision against a real server."""

from __future__ import annotations

import contextlib
import importlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from lbs.api.frame import ENDPOINTS
from lbs.timeutil import utcnow
from tests.conftest import make_app
from tests.reliability.world import prepare_world
from tests.server import Server

OPERATION_ID = re.compile(r"^[a-z][A-Za-z]+$")
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


def _path_derived(method: str, path: str) -> str:
    """The operation id the document used to derive from the path (``post_api_v1_incidents``)."""
    name = path.strip("/").replace("/", "_").replace("{", "").replace("}", "").replace(".", "_").replace("-", "_")
    return f"{method}_{name}"


def test_every_operation_has_a_unique_human_operation_id(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operations = _operations(document)
    ids = [operation.get("operationId", "") for _path, _method, operation in operations]
    assert len(ids) == len(ENDPOINTS)
    assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)
    for path, method, operation in operations:
        operation_id = operation["operationId"]
        assert OPERATION_ID.fullmatch(operation_id), (method, path, operation_id)
        derived = _path_derived(method, path)
        assert operation_id.lower() not in (derived, derived.replace("_", "")), (method, path, operation_id)
        assert "api" not in operation_id.lower(), (method, path, operation_id)
    by_id = {operation["operationId"]: (method, path) for path, method, operation in operations}
    for operation_id, (method, path) in {
        "listIncidents": ("get", "/api/v1/incidents"),
        "createIncident": ("post", "/api/v1/incidents"),
        "getIncident": ("get", "/api/v1/incidents/{incident_id}"),
        "listDecisions": ("get", "/api/v1/incidents/{incident_id}/decisions"),
        "logDecision": ("post", "/api/v1/incidents/{incident_id}/decisions"),
        "getDecision": ("get", "/api/v1/decisions/{decision_id}"),
        "amendDecision": ("post", "/api/v1/decisions/{decision_id}/amendments"),
        "listCostLines": ("get", "/api/v1/incidents/{incident_id}/costs"),
        "updateCostLine": ("patch", "/api/v1/costs/{line_id}"),
        "listStaffs": ("get", "/api/v1/staffs"),
    }.items():
        assert by_id[operation_id] == (method, path)
    assert {spec.operation_id for spec in ENDPOINTS} == set(ids)


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


# ---------------------------------------------------------------- a generated client against a real server

# One model per component schema (about 80 with the hearing and the notifications): a duplicated or inlined schema
# would show as a jump here.
MAX_MODELS = 95


def _generate_client(document: dict[str, Any], tmp_path: Path) -> Path:
    """``openapi-python-client generate`` over ``document``: the package directory (``lbs_client``).

    It runs in its own process (the suite turns Python warnings into errors), fails on any warning about the
    document (a part of it the generator had to leave out), and skips its ruff post hooks (they need ``ruff`` on
    PATH and only format)."""
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    config = tmp_path / "generator.json"
    config.write_text(json.dumps({"post_hooks": [], "package_name_override": "lbs_client"}), encoding="utf-8")
    package = tmp_path / "generated" / "lbs_client"
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec), "--output-path",
         str(package), "--meta", "none", "--config", str(config), "--fail-on-warning"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (package / "__init__.py").is_file(), result.stdout + result.stderr
    return package


@contextlib.contextmanager
def _imported(package: Path) -> Iterator[ModuleType]:
    """Import the generated package from its directory, and forget it afterwards (each backend has its own)."""
    sys.path.insert(0, str(package.parent))
    try:
        yield importlib.import_module(package.name)
    finally:
        sys.path.remove(str(package.parent))
        for name in [n for n in sys.modules if n == package.name or n.startswith(package.name + ".")]:
            del sys.modules[name]


def test_a_generated_client_logs_and_lists_a_decision(fresh_database_url, tmp_path):
    world = prepare_world(fresh_database_url)
    app = make_app(fresh_database_url)
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    package = _generate_client(document, tmp_path)

    with _imported(package) as lbs_client, Server(fresh_database_url, workers=1, threads=1,
                                                   log=tmp_path / "gunicorn.log") as server:
        log_decision = importlib.import_module(f"{package.name}.api.decisions.log_decision")
        list_decisions = importlib.import_module(f"{package.name}.api.decisions.list_decisions")
        models = lbs_client.models

        # The models are the component schemas, by name, and there are few of them.
        names = set(models.__all__)
        assert {"Decision", "DecisionInput", "AmendmentInput", "CostLine", "CostLineUpdate", "CostInput",
                "Incident", "Error", "DecisionType", "CostCategory"} <= names
        assert len(names) < MAX_MODELS, sorted(names)
        assert not [n for n in names if "Response" in n or "ApiV1" in n or n.endswith("Body")], sorted(names)

        client = lbs_client.AuthenticatedClient(base_url=server.base, token=world.police_token)
        body = models.DecisionInput(
            staff=models.StaffCode.LBS_O, decided_at=utcnow() - timedelta(minutes=1), decided_by=world.person_id,
            owner=world.herning_id, type_=models.DecisionType.RESOURCE_REQUEST, title="Sandsække fra Herning",
            decision="Kommunen leverer 2 000 sandsække.", rationale="Vandstanden stiger.",
            costs=[models.CostInput(bearer=world.herning_id, category=models.CostCategory.SUPPLIES,
                                    estimate_dkk="12500.50")],
        )
        with client as http:
            response = log_decision.sync_detailed(world.incident_id, client=http, body=body)
            assert response.status_code == 201, response.content
            decision = response.parsed
            assert isinstance(decision, models.Decision)
            assert decision.incident_id == world.incident_id and decision.title == "Sandsække fra Herning"
            assert decision.type_ is models.DecisionType.RESOURCE_REQUEST
            [line] = decision.costs
            assert isinstance(line, models.CostLine)
            assert (line.bearer, line.category, line.estimate_dkk) == (world.herning_id, models.CostCategory.SUPPLIES,
                                                                      "12500.50")

            listed = list_decisions.sync(world.incident_id, client=http)
            assert isinstance(listed, list) and all(isinstance(d, models.Decision) for d in listed)
            assert [(d.id, d.number, d.hash_) for d in listed if d.id == decision.id] == [
                (decision.id, decision.number, decision.hash_)]

            refused = log_decision.sync_detailed(world.incident_id, client=http,
                                                 body=models.DecisionInput.from_dict({**body.to_dict(), "title": ""}))
            assert refused.status_code == 422 and isinstance(refused.parsed, models.Error)
