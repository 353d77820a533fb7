"""``GET /api/v1/openapi.json``: the OpenAPI 3 document, generated from the endpoint registry."""

from __future__ import annotations

import re
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from lbs.api.blueprint import api_bp
from lbs.api.frame import API_PREFIX, ENDPOINTS, EndpointSpec
from lbs.api.schemas import COMPONENTS, ERROR

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")

ERROR_RESPONSES = {
    "400": "malformed JSON",
    "401": "missing or bad token",
    "403": "role or municipality not allowed",
    "404": "unknown object",
    "405": "method not allowed",
    "409": "conflict with state",
    "422": "validation error",
}


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for converter, name in _PARAM.findall(rule):
        schema: dict[str, Any] = {"type": "string"}
        if converter in ("id", "int"):
            schema = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return API_PREFIX + _PARAM.sub(r"{\2}", rule), params


def _operation(spec: EndpointSpec) -> tuple[str, dict[str, Any]]:
    path, params = _path(spec.rule)
    responses: dict[str, Any] = {}
    for status, schema in spec.responses.items():
        if status >= 400:  # every error has the one error body
            schema = ERROR
        entry: dict[str, Any] = {"description": ERROR_RESPONSES.get(str(status), "success")}
        if schema is not None:
            content_type = spec.content_type if status < 400 else "application/json"
            entry["content"] = {content_type: {"schema": schema}}
        responses[str(status)] = entry
    for code, text in ERROR_RESPONSES.items():
        responses.setdefault(code, {"description": text, "content": {"application/json": {"schema": ERROR}}})
    operation: dict[str, Any] = {
        "summary": spec.summary,
        "tags": [spec.tag],
        "operationId": spec.operation_id,
        "parameters": params + spec.query,
        "responses": responses,
        "description": ("Roles: " + ", ".join(r.value for r in spec.roles)) if spec.roles is not None
        else "No sign-in needed.",
    }
    if spec.roles is None:
        operation["security"] = []
    if spec.request_schema is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {spec.request_content_type: {"schema": spec.request_schema}},
        }
    return path, operation


def build_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for spec in ENDPOINTS:
        path, operation = _operation(spec)
        paths.setdefault(path, {})[spec.method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LBS Register API",
            "version": "1",
            "description": "Rosters, decision log, consultations and municipal costs of the local emergency staff.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": {name: COMPONENTS[name] for name in sorted(COMPONENTS)},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


@api_bp.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    return jsonify(build_document())
