"""Text that cannot be stored (a lone surrogate, from a ``\\ud800`` escape in JSON, or invalid UTF-8 in a form,
a query or a path) is refused with a 422 naming the field, or read as replacement characters: never a 500.
The check is central (:func:`lbs.api.frame.json_body`), so every API entry point that reads a JSON body has it."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from lbs.audit.models import AuditEvent
from lbs.extensions import db
from lbs.validation import unencodable_fields
from tests import factories as f

HOSTILE_BODIES = ['{"title": "\\ud800", "name": "\\udfff x", "reason": "\\udc00"}', '{"\\ud800": 1}',
                  '{"items": [{"party": "\\udfff"}]}', b'{"title": "\xed\xa0\x80"}']
WRITES = {"POST", "PATCH", "PUT", "DELETE"}


def _api_writes(app: Flask, ids: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^>:]*:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule.rule)
        found += [(method, path) for method in sorted((rule.methods or set()) & WRITES)]
    return found


def test_every_api_write_refuses_a_lone_surrogate_with_a_422(app: Flask, api_as: Any) -> None:
    inc = f.review_incident_with_decisions()
    db.session.commit()
    first = f.decisions_of(inc)[0]
    line = f.cost_line(first, bearer=f.organisation("Herning Kommune"), estimate="10.00")
    db.session.commit()
    ids: dict[str, Any] = {"incident_id": inc.id, "decision_id": first.id, "line_id": line.id, "code": "LBS-O"}
    api = api_as("admin")
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    statuses: dict[str, list[str]] = {}
    for method, path in _api_writes(app, ids):
        for raw in HOSTILE_BODIES:
            response = api.open(method, path, data=raw)
            statuses.setdefault(str(response.status_code), []).append(f"{method} {path}")
            assert response.status_code != 500, (method, path, raw)
            if response.status_code == 422:
                assert response.get_json()["error"]["fields"], (method, path)
    assert "500" not in statuses
    assert len(statuses.get("422", [])) >= 20, statuses
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_the_field_is_named(api_as: Any) -> None:
    response = api_as("politi").open("POST", "/api/v1/incidents",
                                     data='{"title": "ok", "municipalities": ["657", "\\ud800"], "kind": "flood"}')
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"municipalities.1": [
        "contains invalid Unicode (a lone surrogate)"]}


def test_unencodable_fields_names_nested_values_and_keys() -> None:
    assert unencodable_fields({"a": "ok", "b": ["x", {"c": "\ud800"}], "\udfff": 1, "d": 1.5}) == ["b.1.c", "?"]
    assert unencodable_fields({"a": ["ok", 1, None]}) == []


FORM_FIELDS = ("title", "name", "job_title", "description", "reason", "comment", "observation", "recommendation",
               "note", "decision", "rationale", "condition", "code", "email", "username", "password", "kind")


def test_invalid_utf8_in_forms_queries_and_paths_is_no_500(app: Flask, login: Any) -> None:
    inc = f.review_incident_with_decisions()
    db.session.commit()
    first = f.decisions_of(inc)[0]
    ids: dict[str, Any] = {"incident_id": inc.id, "decision_id": first.id, "code": "LBS-O"}
    client = login("admin")
    for path in ("/review/?q=%ED%A0%80&missing_only=y", "/incidents/?q=%ff%fe", "/review/incidents/%ED%A0%80",
                 "/costs/municipalities/%ED%A0%80/costs.csv", "/%ED%A0%80"):
        assert client.get(path).status_code in (200, 302, 400, 404), path
    body = "&".join(f"{name}=%ED%A0%80%ff%00x" for name in FORM_FIELDS).encode()
    posted = 0
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or "POST" not in (rule.methods or set()) or rule.rule == "/logout":
            continue
        path = re.sub(r"<(?:[^>:]*:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule.rule)
        response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code != 500, path
        assert "\ud800" not in response.get_data(as_text=True)
        posted += 1
    assert posted >= 30
