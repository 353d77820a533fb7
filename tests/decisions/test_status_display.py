"""Each required consultation's status in words where the decision log shows it: the decision page, the
incident timeline's badge, the compliance page and its CSV, the decision form's panel, and the decisions
exports (CSV and JSON, page and API). An approval only informed reads "utilstrækkelig høringsform"
(``insufficient_form``), an objection "imod (indsigelse)" (``objected``); rows logged before the
requirements were stored are judged the same."""

from __future__ import annotations

import csv
import io
import json

import pytest

from lbs.consultation.models import Mode, Outcome
from tests import factories
from tests.status_cases import (
    INSUFFICIENT,
    MAYOR,
    OBJECTED,
    forget_stored_requirements,
    log_evacuation,
    row_of,
    status_cases,
    text_of,
)


@pytest.fixture(params=["stored", "legacy"])
def cases(app, request):
    found = status_cases()
    if request.param == "legacy":
        forget_stored_requirements(found.informed, found.objected)
    return found


def _csv(raw: bytes) -> list[dict[str, str]]:
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_decision_page_shows_each_requirement_with_its_status_in_words(cases, login):
    client = login("revisor")
    informed = client.get(f"/decisions/{cases.informed.id}").get_data(as_text=True)
    mayor = text_of(row_of(informed, f'data-party="{MAYOR}"'))
    assert "Borgmester, Herning Kommune" in mayor and "Godkende" in mayor and INSUFFICIENT in mayor
    assert "opfyldt" not in mayor
    notice = text_of(informed.split('class="notice missing-consultations"')[1].split("</p>")[0])
    assert f"Borgmester, Herning Kommune ({INSUFFICIENT})" in notice
    # every other required party was not consulted at all
    assert text_of(row_of(informed, 'data-party="657:repraesentant"')).endswith("mangler")
    objected = client.get(f"/decisions/{cases.objected.id}").get_data(as_text=True)
    assert OBJECTED in text_of(row_of(objected, f'data-party="{MAYOR}"'))


def test_decision_page_reads_met_when_the_approval_was_given(app, login):
    found = status_cases()
    agreed = log_evacuation(found.incident, "Evakuering af Holtbjerg", Mode.APPROVE, Outcome.AGREED_WITH_RESERVATION, 2)
    html = login("politi").get(f"/decisions/{agreed.id}").get_data(as_text=True)
    mayor = text_of(row_of(html, f'data-party="{MAYOR}"'))
    assert mayor.endswith("opfyldt") and INSUFFICIENT not in mayor
    assert "Borgmester" not in text_of(html.split('class="notice missing-consultations"')[1].split("</p>")[0])


def test_incident_timeline_badge_counts_the_requirements_not_met(cases, login):
    from lbs.decisions.read_model import decision_record

    unmet = len(decision_record(cases.informed.id)["missing_consultations"])
    assert unmet > 1
    html = login("politi").get(f"/incidents/{cases.incident.id}").get_data(as_text=True)
    row = text_of(row_of(html, f'data-number="{cases.informed.number}"'))
    assert f"{unmet} høringer ikke opfyldt" in row


def test_compliance_page_and_csv_show_the_status(cases, login):
    client = login("herning")
    html = client.get(f"/consultation/incidents/{cases.incident.id}/compliance").get_data(as_text=True)
    informed = text_of(row_of(html, f'data-number="{cases.informed.number}"'))
    assert f"Borgmester, Herning Kommune (Godkende, R6): {INSUFFICIENT}" in informed
    assert f"Borgmester, Herning Kommune: {INSUFFICIENT}" in informed  # in the gaps column too
    assert f"Borgmester, Herning Kommune (Godkende, R6): {OBJECTED}" in text_of(
        row_of(html, f'data-number="{cases.objected.number}"'))
    rows = _csv(client.get(f"/consultation/incidents/{cases.incident.id}/compliance.csv").get_data())
    by_number = {row["number"]: row for row in rows}
    assert f"{MAYOR}: insufficient_form" in by_number[str(cases.informed.number)]["status"]
    assert MAYOR in by_number[str(cases.informed.number)]["missing"]
    assert f"{MAYOR}: objected" in by_number[str(cases.objected.number)]["status"]


def test_decision_exports_carry_the_status(cases, login, api_as):
    client = login("politi")
    for raw in (client.get(f"/incidents/{cases.incident.id}/export/decisions.csv").get_data(),
                api_as("revisor").get(f"/api/v1/incidents/{cases.incident.id}/decisions.csv").get_data()):
        rows = {row["number"]: row for row in _csv(raw)}
        informed, objected = rows[str(cases.informed.number)], rows[str(cases.objected.number)]
        assert f"{MAYOR} approve insufficient_form" in informed["required_consultations"]
        assert f"{MAYOR} insufficient_form" in informed["missing_consultations"]
        assert f"{MAYOR} objected" in objected["missing_consultations"]
    items = json.loads(client.get(f"/incidents/{cases.incident.id}/export/decisions.json").get_data())
    statuses = {item["number"]: {r["party"]: r["status"] for r in item["required_consultations"]} for item in items}
    assert statuses[cases.informed.number][MAYOR] == "insufficient_form"
    assert statuses[cases.objected.number][MAYOR] == "objected"
    assert statuses[cases.informed.number]["657:repraesentant"] == "missing"


def test_decision_form_panel_judges_the_rows_typed_so_far(app, login):
    inc = factories.incident(municipalities=("657",))
    herning = str(factories.municipality("657").organisation_id)
    facts = {"staff": "LBS-S", "owner": herning, "type": "evacuation", "costs-0-bearer": herning,
             "costs-0-category": "emergency_accommodation", "costs-0-estimate": "300.000,00"}
    client = login("politi")

    def panel(mode: str, outcome: str) -> str:
        html = client.post(f"/consultation/required/{inc.id}", data={
            **facts, "consultations-0-party": MAYOR, "consultations-0-mode": mode,
            "consultations-0-outcome": outcome}).get_data(as_text=True)
        return text_of(html.split(f'data-party="{MAYOR}"')[1].split("</li>")[0])

    assert f"Status: {INSUFFICIENT}" in panel("inform", "agreed")
    assert f"Status: {OBJECTED}" in panel("approve", "objected")
    assert "Status: opfyldt" in panel("approve", "agreed")
    incomplete = panel("approve", "")  # no outcome chosen yet: no status, the row is there
    assert "Status" not in incomplete and "Høring registreret" in incomplete
    html = client.post(f"/consultation/required/{inc.id}", data=facts).get_data(as_text=True)
    assert "Status: mangler" in text_of(html.split(f'data-party="{MAYOR}"')[1].split("</li>")[0])


def test_why_view_of_a_logged_decision_shows_each_status(cases, login):
    client = login("revisor")
    html = client.get(f"/consultation/?decision={cases.informed.id}").get_data(as_text=True)
    assert INSUFFICIENT in text_of(row_of(html, "consultation-status", "Borgmester, Herning Kommune"))
    html = client.get(f"/consultation/?decision={cases.objected.id}").get_data(as_text=True)
    assert OBJECTED in text_of(row_of(html, "consultation-status", "Borgmester, Herning Kommune"))
    # a described (not logged) decision has no status to show
    described = client.get("/consultation/?why_type=evacuation&why_municipality=657&why_cost=300.000,00")
    assert "consultation-status" not in described.get_data(as_text=True)
