"""Review pages: access per role and municipality, the missing-consultations filter, findings, sign-off,
downloads."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lbs.decisions import compliance
from lbs.extensions import db
from lbs.review import integrity, pack
from lbs.review.findings import add_finding
from lbs.review.models import Finding, SignOff
from lbs.review.whole import incident_review
from tests import factories
from tests.review.packs import built_pack


@pytest.fixture
def inc(app, monkeypatch):
    monkeypatch.setattr(compliance, "required_consultations", factories.fake_required_consultations)
    incident = factories.review_incident_with_decisions()
    db.session.commit()
    return incident


UNAVAILABLE = integrity.IntegrityResult(available=False, ok=False, checked=0, first_broken=None)


def test_review_page_shows_figures_rosters_and_integrity_not_checked(inc, login, monkeypatch):
    monkeypatch.setattr(integrity, "check_chain", lambda incident_id: UNAVAILABLE)
    client = login("revisor")
    html = client.get(f"/review/incidents/{inc.id}").get_data(as_text=True)
    assert "Nøgletal" in html and "Tidslinje over beslutninger og aktiveringer" in html
    assert 'role="img"' in html and "<title id=" in html and "Tidslinjen som tabel" in html
    assert "Beslutning 4: Evakuering udvidet" in html
    assert "Fungerende stabschef, Midt- og Vestjyllands Politi" in html and "stedfortræder fungerer" in html
    assert "Kommunaldirektør, Herning Kommune" in html
    assert "Integritet ikke kontrolleret" in html  # no verifier: never shown as ok
    assert "Kæden er intakt" not in html
    assert "Tilføj et fund" in html and "Godkend evalueringen" in html
    assert "<script>" not in html and " onclick=" not in html


def test_integrity_result_shown(inc, login, monkeypatch):
    monkeypatch.setattr(integrity, "check_chain", lambda incident_id: integrity.IntegrityResult(True, False, 4, 3))
    html = login("revisor").get(f"/review/incidents/{inc.id}").get_data(as_text=True)
    assert "Kæden er brudt" in html and "først brudt ved beslutning 3." in html


def test_missing_filter_shows_only_decisions_with_missing_consultations(inc, login):
    html = login("politi").get(f"/review/incidents/{inc.id}?missing=1").get_data(as_text=True)
    assert "Viser 3 af 4 beslutninger" in html
    assert 'id="decision-1"' not in html and 'id="decision-2"' in html and 'id="decision-3"' in html
    assert "Tilføj et fund" not in html and "Godkend evalueringen" not in html  # police read only


def test_municipal_user_only_for_affected_incidents(inc, login):
    assert login("herning").get(f"/review/incidents/{inc.id}").status_code == 200
    login("herning").post("/logout")
    client = login("holstebro")
    for suffix in ("", "/pack.zip", "/review.pdf", "/findings.csv"):
        assert client.get(f"/review/incidents/{inc.id}{suffix}").status_code == 404
    assert inc.title not in client.get("/review/?q=Skybrud").get_data(as_text=True)


def test_unknown_incident_is_404(app, login):
    assert login("revisor").get("/review/incidents/999999").status_code == 404
    assert login("revisor").get("/review/incidents/99999999999").status_code == 404


def test_add_finding_and_export(inc, login):
    client = login("revisor")
    decision_id = incident_review(inc).decisions[1].decision.id
    response = client.post(f"/review/incidents/{inc.id}/findings", data={
        "decision": str(decision_id), "observation": "Kommunaldirektøren blev ikke hørt før evakueringen",
        "recommendation": "Tjekliste", "owner_text": "Herning Kommune", "owner_organisation": ""})
    assert response.status_code == 302
    finding = db.session.scalar(select(Finding).where(Finding.incident_id == inc.id))
    assert finding is not None and finding.decision_id == decision_id
    csv_text = client.get(f"/review/incidents/{inc.id}/findings.csv").get_data()
    assert csv_text.startswith(b"\xef\xbb\xbf") and "Kommunaldirektøren blev ikke hørt".encode() in csv_text
    html = client.get(f"/review/incidents/{inc.id}").get_data(as_text=True)
    assert "Kommunaldirektøren blev ikke hørt før evakueringen" in html
    invalid = client.post(f"/review/incidents/{inc.id}/findings", data={"observation": ""})
    assert invalid.status_code == 422 and "error-summary" in invalid.get_data(as_text=True)


def test_sign_off_and_download_pack(inc, login):
    client = login("revisor")
    refused = client.post(f"/review/incidents/{inc.id}/sign-off", data={"comment": "Gennemgået uden bemærkninger"})
    assert refused.status_code == 422 and "Byg evalueringspakken først" in refused.get_data(as_text=True)
    assert client.get(f"/review/incidents/{inc.id}/pack.zip").status_code == 302  # not built yet
    ready = built_pack(inc.id)
    response = client.post(f"/review/incidents/{inc.id}/sign-off",
                           data={"comment": "Gennemgået uden bemærkninger", "pack": str(ready.id)})
    assert response.status_code == 302
    record = db.session.scalar(select(SignOff).where(SignOff.incident_id == inc.id))
    assert record is not None and record.last_decision_number == 4 and record.pack_sha256 == ready.sha256
    html = client.get(f"/review/incidents/{inc.id}").get_data(as_text=True)
    assert record.pack_sha256 in html and "Gennemgået uden bemærkninger" in html
    zipped = client.get(f"/review/incidents/{inc.id}/pack.zip")
    assert zipped.mimetype == "application/zip" and "attachment" in zipped.headers["Content-Disposition"]
    assert pack.verify_pack(zipped.get_data()).ok
    with zipfile.ZipFile(io.BytesIO(zipped.get_data())) as archive:
        assert "manifest.json" in archive.namelist()
    signed = client.get(f"/review/incidents/{inc.id}/sign-offs/{record.id}/pack.zip")
    assert signed.status_code == 200 and pack.sha256(signed.get_data()) == record.pack_sha256
    assert pack.verify_pack(signed.get_data()).ok
    assert client.get(f"/review/incidents/{inc.id}/sign-offs/{record.id + 1000}/pack.zip").status_code == 404
    other = factories.review_incident_with_decisions(title="Anden hændelse")
    db.session.commit()
    assert client.get(f"/review/incidents/{other.id}/sign-offs/{record.id}/pack.zip").status_code == 404
    pdf = client.get(f"/review/incidents/{inc.id}/review.pdf")
    assert pdf.mimetype == "application/pdf" and len(PdfReader(io.BytesIO(pdf.get_data())).pages) > 1


def test_search_page_filters(inc, login):
    client = login("revisor")
    html = client.get("/review/?q=Skybrud&missing_only=y").get_data(as_text=True)
    assert inc.title in html and "Manglende høringer" in html
    assert inc.title not in client.get("/review/?disputed_only=y&q=Skybrud").get_data(as_text=True)
    assert inc.title not in client.get("/review/?municipality=787").get_data(as_text=True)
    assert client.get("/review/?date_from=not-a-date").status_code == 200
    assert client.get("/review/?kind=nonsense&page=x").status_code == 200


def test_api_review_figures_and_findings(inc, api_as, monkeypatch):
    from lbs.auth.models import User

    monkeypatch.setattr(integrity, "check_chain", lambda incident_id: UNAVAILABLE)
    revisor = db.session.scalar(select(User).where(User.username == "revisor"))
    add_finding(by=revisor, incident=inc, observation="Fund via API")
    db.session.commit()
    body = api_as("herning").get(f"/api/v1/incidents/{inc.id}/review").get_json()
    assert (body["decisions"], body["urgent"], body["amendments"], body["consultations_missing"]) == (4, 1, 1, 4)
    assert body["per_staff"] == {"LBS-O": 2, "LBS-S": 2}
    # Herning reads only the lines it bears (issue 23); the police read every bearer's.
    assert {c["bearer_name"]: c["estimate_dkk"] for c in body["costs"]} == {"Herning Kommune": "150000.00"}
    police = api_as("politi").get(f"/api/v1/incidents/{inc.id}/review").get_json()
    assert {c["bearer_name"]: c["estimate_dkk"] for c in police["costs"]} == {
        "Herning Kommune": "150000.00", "Region Midtjylland": "25000.00"}
    assert {c["actual_dkk"] for c in body["costs"]} == {None}
    assert body["integrity"]["checked"] is False and body["integrity"]["ok"] is None
    monkeypatch.setattr(integrity, "check_chain", lambda incident_id: integrity.IntegrityResult(True, True, 4, None))
    body = api_as("herning").get(f"/api/v1/incidents/{inc.id}/review").get_json()
    assert body["integrity"] == {"checked": True, "ok": True, "decisions_checked": 4, "first_broken": None}
    assert body["chain_head"] == integrity.chain_head(inc.id)
    findings = api_as("politi").get(f"/api/v1/incidents/{inc.id}/findings").get_json()
    assert [f["observation"] for f in findings] == ["Fund via API"]
    assert api_as("holstebro").get(f"/api/v1/incidents/{inc.id}/review").status_code == 404
    assert api_as("holstebro").get("/api/v1/incidents/999999/findings").status_code == 404
