"""HTML: incidents, the fast decision form (errors keep input, delay, DST), amendments, verify, exports."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lbs.decisions import verification
from lbs.decisions.models import CostLine, Decision
from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.staffs.models import Person
from lbs.timeutil import to_local, utcnow
from tests import factories


def _demo() -> Incident:
    return db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()


def _local(dt) -> str:
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


def _form(**overrides):
    pid = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
    data = {
        "staff": "LBS-O", "decided_at": _local(utcnow() - timedelta(minutes=2)), "decided_by": str(pid),
        "owner": str(factories.organisation("Midt- og Vestjyllands Politi").id), "type": "cordon",
        "title": "Afspærring af Torvet", "decision": "Torvet afspærres.", "rationale": "Vand på Torvet.",
    }
    data.update(overrides)
    return data


def test_incident_list_create_activate_close(login):
    client = login("politi")
    page = client.get("/incidents").get_data(as_text=True)
    assert DEMO_TITLE in page and "ØVELSE" in page
    bad = client.post("/incidents", data={"title": "", "kind": "flood", "started_at": "2026-03-29T02:30",
                                          "municipalities": ["657"]})
    assert bad.status_code == 422
    response = client.post("/incidents", data={"title": "Brand i Holstebro", "kind": "fire",
                                               "started_at": _local(utcnow() - timedelta(hours=1)),
                                               "municipalities": ["661", "665"]})
    assert response.status_code == 302
    incident = db.session.scalars(select(Incident).where(Incident.title == "Brand i Holstebro")).one()
    assert [m.code for m in incident.municipalities] == ["661", "665"]
    url = f"/incidents/{incident.id}"
    assert client.post(f"{url}/activations", data={"staff": "LBS-S", "readiness": "activated",
                                                   "active_from": _local(utcnow())}).status_code == 302
    assert client.post(f"{url}/activations", data={"staff": "LBS-S", "readiness": "activated",
                                                   "active_from": "nonsense"}).status_code == 422
    assert "LBS-S" in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/close", data={"ended_at": _local(utcnow())}).status_code == 302
    db.session.refresh(incident)
    assert incident.status.value == "closed"
    assert client.get(f"{url}/decisions/new").status_code == 302
    assert client.get("/incidents/999999").status_code == 404


def test_fast_form_logs_a_decision_with_a_cost_line(login):
    client = login("politi")
    demo = _demo()
    form_page = client.get(f"/incidents/{demo.id}/decisions/new").get_data(as_text=True)
    for name in ("costs-0-bearer", "costs-0-category", "costs-0-estimate", "costs-0-provisional",
                 "costs-0-description", "consultations-0-party", "consultations-0-consulted_at",
                 "consultations-0-mode", "consultations-0-outcome", "consultations-0-channel",
                 "consultations-0-note", "vulnerable", "missing_reason", "delay_reason", "<details"):
        assert name in form_page, name
    herning = factories.organisation("Herning Kommune").id
    response = client.post(f"/incidents/{demo.id}/decisions/new", data=_form(**{
        "costs-0-bearer": str(herning), "costs-0-category": "supplies", "costs-0-estimate": "12.500,50",
        "costs-0-provisional": "y", "consultations-0-party": "657:repraesentant", "consultations-0-mode": "inform",
        "consultations-0-outcome": "agreed", "options-0-text": "Vent", "options-0-rejection_reason": "For sent",
        "vulnerable": "y"}))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    decision = factories.decisions_of(demo)[-1]
    assert decision.number == 7 and decision.conditions == {"vulnerable": True}
    line = db.session.scalars(select(CostLine).where(CostLine.decision_id == decision.id)).one()
    assert str(line.estimate_dkk) == "12500.50" and line.provisional
    assert decision.options == [{"text": "Vent", "chosen": False, "rejection_reason": "For sent"}]
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "Afspærring af Torvet" in page
    assert verification.verify_incident(demo).ok


def test_form_errors_keep_input_and_write_nothing(login):
    client = login("admin")
    demo = _demo()
    before = len(factories.decisions_of(demo))
    late = _form(decided_at=_local(utcnow() - timedelta(hours=1)), title="Sen beslutning",
                 **{"costs-0-bearer": "1", "costs-0-category": "supplies", "costs-0-estimate": "-5"})
    response = client.post(f"/incidents/{demo.id}/decisions/new", data=late)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Sen beslutning"' in page and "error-summary" in page
    late["costs-0-estimate"] = "500"
    response = client.post(f"/incidents/{demo.id}/decisions/new", data=late)
    assert response.status_code == 422 and "15" in response.get_data(as_text=True)
    nonexistent = client.post(f"/incidents/{demo.id}/decisions/new", data=_form(decided_at="2026-03-29T02:30"))
    assert nonexistent.status_code == 422
    unknown = client.post(f"/incidents/{demo.id}/decisions/new", data=_form(decided_by="999999"))
    assert unknown.status_code == 422
    assert len(factories.decisions_of(demo)) == before
    late["delay_reason"] = "Radioforbindelsen var nede"
    assert client.post(f"/incidents/{demo.id}/decisions/new", data=late).status_code == 302
    assert factories.decisions_of(demo)[-1].number == before + 1


def test_a_service_error_of_a_row_lands_on_that_row(login):
    """Blank rows are left out of the draft: its ``costs[0]`` is the form's second cost row here."""
    client = login("politi")
    demo = _demo()
    data = _form(**{"costs-0-bearer": "", "costs-0-category": "", "costs-0-estimate": "",
                    "costs-1-bearer": "999999", "costs-1-category": "supplies", "costs-1-estimate": "500"})
    response = client.post(f"/incidents/{demo.id}/decisions/new", data=data)
    assert response.status_code == 422
    assert 'href="#costs-1-bearer"' in response.get_data(as_text=True)


def test_amend_via_form_strikes_original_and_verify_button(login):
    client = login("politi")
    demo = _demo()
    original = factories.decisions_of(demo)[0]
    form_page = client.get(f"/decisions/{original.id}/amend").get_data(as_text=True)
    assert original.title in form_page
    data = _form(title="Afspærring udvidet", reason="Vandet steg")
    data["decided_at"] = _local(original.decided_at)
    assert client.post(f"/decisions/{original.id}/amend", data={**data, "reason": ""}).status_code == 422
    response = client.post(f"/decisions/{original.id}/amend", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    amendment = factories.decisions_of(demo)[-1]
    assert amendment.amends_id == original.id and amendment.amendment_reason == "Vandet steg"
    page = client.get(f"/decisions/{original.id}").get_data(as_text=True)
    assert "<del>" in page and f"/decisions/{amendment.id}" in page
    timeline = client.get(f"/incidents/{demo.id}").get_data(as_text=True)
    assert "<del>" in timeline
    verified = client.post(f"/incidents/{demo.id}/verify", follow_redirects=True).get_data(as_text=True)
    assert "intakt" in verified or "intact" in verified
    db.session.execute(Decision.__table__.update().where(Decision.id == original.id).values(title="Snyd"))
    broken = client.post(f"/incidents/{demo.id}/verify", follow_redirects=True).get_data(as_text=True)
    assert "1" in broken and ("brudt" in broken or "broken" in broken)


def test_html_exports(login):
    client = login("revisor")
    demo = _demo()
    csv = client.get(f"/incidents/{demo.id}/export/decisions.csv")
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8" and csv.get_data().startswith(b"\xef\xbb\xbf")
    assert len(csv.get_data(as_text=True).strip().splitlines()) == 7
    data = client.get(f"/incidents/{demo.id}/export/decisions.json").get_json()
    assert [d["number"] for d in data] == [1, 2, 3, 4, 5, 6]
    page = client.get(f"/incidents/{demo.id}").get_data(as_text=True)
    assert "Log decision" not in page and "Registrér beslutning" not in page
    assert client.get(f"/decisions/{data[0]['id']}/amend").status_code == 403
