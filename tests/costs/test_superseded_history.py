"""A line superseded by an amendment says so in its history: the amendment's number, who logged it and when
(API and the line's page); a line not superseded has no such entry."""

from __future__ import annotations

import pytest

from lbs.extensions import db
from tests import factories
from tests.decisions.test_api import body


@pytest.fixture
def incident(app):
    inc = factories.incident()
    db.session.commit()
    return inc


def test_the_superseding_amendment_ends_the_lines_history(api_as, login, incident):
    api = api_as("politi")
    herning = factories.organisation("Herning Kommune").id
    first = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(
        costs=[{"bearer": herning, "category": "supplies", "estimate_dkk": "10000"}])).get_json()
    old_line = first["costs"][0]["id"]
    assert api.get(f"/api/v1/costs/{old_line}/history").get_json() == []

    amendment = api.post(f"/api/v1/decisions/{first['id']}/amendments", json={
        "reason": "Større beløb", "costs": [{"bearer": herning, "category": "supplies", "estimate_dkk": "12000"}]})
    assert amendment.status_code == 201, amendment.get_json()
    amended = amendment.get_json()

    history = api.get(f"/api/v1/costs/{old_line}/history").get_json()
    assert [(h["field"], h["old"], h["new"], h["by"]) for h in history] == [
        ("superseded_by", None, str(amended["number"]), "politi")]
    assert history[0]["at"] == amended["recorded_at"]
    new_line = amended["costs"][0]["id"]
    assert api.get(f"/api/v1/costs/{new_line}/history").get_json() == []

    page = login("politi").get(f"/costs/lines/{old_line}").get_data(as_text=True)
    assert f"Erstattet af ændring nr. {amended['number']}, registreret af politi" in page
