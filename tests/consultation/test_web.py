"""Consultation API and HTML views: parties, graph JSON, the required panel, compliance, rule admin."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from lbs.consultation.models import Rule
from lbs.extensions import db
from tests import factories


def test_parties_api(api_as):
    response = api_as("herning").get("/api/v1/consultation/parties")
    assert response.status_code == 200
    parties = response.get_json()
    keys = [p["key"] for p in parties]
    assert keys == sorted(keys)
    kd = next(p for p in parties if p["key"] == "657:kommunaldirektoer")
    assert set(kd) == {"key", "name", "organisation_id", "position_id"}
    assert kd["name"] == "Kommunaldirektør, Herning Kommune" and isinstance(kd["position_id"], int)
    assert next(p for p in parties if p["key"] == "657:borgmester")["position_id"] is None


def test_graph_api_is_node_link_json(api_as):
    response = api_as("revisor").get("/api/v1/consultation/graph")
    assert response.status_code == 200
    data = response.get_json()
    assert data["directed"] is True and data["multigraph"] is False
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["condition:R2"]["kind"] == "condition"
    assert nodes["party:657:borgmester"]["kind"] == "party"
    chain = [e for e in data["edges"] if e["source"] == "party:657:borgmester"]
    assert [(e["target"], e["rule"], e["mode"]) for e in chain] == [("party:657:oekonomiudvalg", "R6b", "inform")]
    assert data["graph"]["rules_version"] >= 1


def test_graph_api_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/consultation/parties"] and "get" in paths["/api/v1/consultation/graph"]


def test_required_panel_evacuation_in_herning(app, login):
    inc = factories.incident(municipalities=("657",))
    herning = factories.municipality("657").organisation_id
    client = login("politi")
    response = client.post(f"/consultation/required/{inc.id}", data={
        "staff": "LBS-S", "decided_at": "", "owner": str(herning), "type": "evacuation",
        "costs-0-bearer": str(herning), "costs-0-category": "emergency_accommodation",
        "costs-0-estimate": "300.000,00", "consultations-0-party": "657:borgmester",
    })
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-party="657:kommunaldirektoer"' in html and 'data-party="657:borgmester"' in html
    assert 'class="panel-add" data-party="657:kommunaldirektoer"' in html
    assert 'class="panel-add" data-party="657:borgmester"' not in html  # already recorded in the form
    assert "Teknisk direktør, Herning Kommune" in html  # the deputy from the roster
    small = client.post(f"/consultation/required/{inc.id}", data={
        "staff": "LBS-S", "owner": str(herning), "type": "shelter", "costs-0-bearer": str(herning),
        "costs-0-estimate": "60.000", "costs-0-category": "catering"}).get_data(as_text=True)
    assert 'data-party="657:kommunaldirektoer"' in small and 'data-party="657:borgmester"' not in small


def test_required_panel_survives_garbage(app, login):
    inc = factories.incident()
    client = login("politi")
    response = client.post(f"/consultation/required/{inc.id}", data={
        "decided_at": "2026-03-29T02:30", "owner": "99999999999", "costs-0-bearer": "x", "costs-0-estimate": "-5",
        "type": "nonsense"})
    assert response.status_code == 200
    # A NUL byte in any form field is refused before the view runs (lbs/security.py).
    assert client.post(f"/consultation/required/{inc.id}", data={"type": "\x00"}).status_code == 400
    assert client.post("/consultation/required/2147483647", data={}).status_code == 404


def test_graph_page_filters_and_why(app, login):
    client = login("revisor")
    page = client.get("/consultation/?municipality=787").get_data(as_text=True)
    assert "Borgmester, Thisted Kommune" in page and "Borgmester, Herning Kommune" not in page
    assert "<script" not in page.split("</head>")[1]
    warning = client.get("/consultation/?type=warning").get_data(as_text=True)
    assert 'data-node="condition:R11"' in warning and 'data-node="condition:R2"' not in warning
    assert 'data-node="condition:R12"' in warning  # conditions without a type filter stay
    why = client.get("/consultation/?why_type=evacuation&why_municipality=657&why_cost=300.000,00")
    html = why.get_data(as_text=True)
    assert why.status_code == 200
    lit = set(re.findall(r'edge-highlighted" marker-end="[^"]*" data-rule="([^"]*)"', html))
    assert lit == {"R2", "R2b", "R2c", "R6", "R6b", "R6c"}
    bad = client.get("/consultation/?why_type=evacuation&why_municipality=657&why_cost=lots")
    assert bad.status_code == 200 and "edge-highlighted\" marker" not in bad.get_data(as_text=True)


def test_graph_page_why_for_a_logged_decision(app, login):
    inc = factories.incident()
    d = factories.decision(inc, number=1, type="warning")
    html = login("politi").get(f"/consultation/?decision={d.id}").get_data(as_text=True)
    assert "Kommunikationschef, Herning Kommune" in html
    assert 'data-rule="R11"' in html


def test_compliance_page_and_csv(app, login):
    inc = factories.incident()
    herning_org = factories.municipality("657").organisation
    d = factories.decision(inc, number=1, type="evacuation", owner=herning_org, missing_reason="=no time")
    factories.consultation(d, "657:kommunaldirektoer")
    client = login("herning")
    page = client.get(f"/consultation/incidents/{inc.id}/compliance").get_data(as_text=True)
    assert "Gap" in page or "Mangler" in page
    response = client.get(f"/consultation/incidents/{inc.id}/compliance.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["number", "decided_at", "title"]
    assert rows[1][0] == "1" and "657:repraesentant" in rows[1][6] and "657:kommunaldirektoer" not in rows[1][6]
    assert rows[1][7] == "'=no time"
    assert client.get("/consultation/incidents/2147483647/compliance").status_code == 404


def test_admin_creates_previews_and_retires_rules(app, login):
    client = login("admin")
    assert "R14b" in client.get("/consultation/rules").get_data(as_text=True)
    form = {"code": "X9", "name": "Closures inform communication", "condition": '{"when": "decision", '
            '"types": ["closure"]}', "target_role": "kommunikation", "source_role": "", "target_party_key": "",
            "mode": "inform", "timing": "at_once"}
    preview = client.post("/consultation/rules/new", data={**form, "preview": "1"})
    assert preview.status_code == 200
    assert db.session.scalar(select(Rule).where(Rule.code == "X9")) is None
    bad = client.post("/consultation/rules/new", data={**form, "condition": '{"when": "municipal_cost", '
                                                       '"min": "lots"}', "save": "1"})
    assert bad.status_code == 200 and "et beløb" in bad.get_data(as_text=True)  # in Danish
    cycle = client.post("/consultation/rules/new", data={**form, "condition": '{"when": "party"}',
                                                         "source_role": "byraad", "target_role": "borgmester",
                                                         "save": "1"})
    assert "consult itself" in cycle.get_data(as_text=True)
    saved = client.post("/consultation/rules/new", data={**form, "save": "1"})
    assert saved.status_code == 302
    rule = db.session.scalar(select(Rule).where(Rule.code == "X9"))
    assert rule is not None and rule.valid_to is None
    assert client.post(f"/consultation/rules/{rule.id}/retire").status_code == 302
    db.session.refresh(rule)
    assert rule.valid_to is not None


def test_only_admin_edits_rules(app, login):
    client = login("politi")
    assert client.get("/consultation/rules").status_code == 403
    assert client.post("/consultation/rules/new", data={"code": "X"}).status_code == 403
