"""Review packs built by the worker: asked for over the API (202), the same pack while nothing changed, built
only by the worker, downloadable once ready (409 before), scoped to a municipality user's costs, retried and
then failed when a build breaks, and signed off only when ready and current."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from pypdf import PdfReader

from lbs.errors import ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.ops import worker
from lbs.review import pack_jobs, pack_pdf, pack_stream, signoff
from lbs.review.findings import add_finding
from lbs.review.pack import PACK_FILES, verify_pack
from lbs.review.pack_models import PackStatus, ReviewPack
from tests import factories
from tests.review.packs import built_pack, pack_bytes, user


class Inc:
    """The incident's id (the worker's round ends the session: ORM objects of the test do not survive it)."""

    def __init__(self, incident: Any) -> None:
        self.id = incident.id


@pytest.fixture
def inc(app: Any) -> Inc:
    incident = factories.review_incident_with_decisions()
    db.session.commit()
    return Inc(incident)


def _incident(inc: Inc) -> Incident:
    found = db.session.get(Incident, inc.id)
    assert found is not None
    return found


def test_a_pack_is_queued_then_built_by_the_worker_and_downloaded(inc: Any, api_as: Any) -> None:
    api = api_as("revisor")
    asked = api.post(f"/api/v1/incidents/{inc.id}/review-pack")
    assert asked.status_code == 202
    body = asked.get_json()
    assert set(body) >= {"id", "incident_id", "status", "progress", "sha256", "chain_head", "created_at"}
    assert body["status"] == "queued" and body["progress"] == 0 and body["sha256"] is None
    assert body["incident_id"] == inc.id and body["chain_head"] == factories.decisions_of(_incident(inc))[-1].hash
    again = api.post(f"/api/v1/incidents/{inc.id}/review-pack").get_json()
    assert again["id"] == body["id"]  # nothing changed: the same pack
    assert api.get(f"/api/v1/review-packs/{body['id']}").get_json()["status"] == "queued"
    early = api.get(f"/api/v1/review-packs/{body['id']}/file")
    assert early.status_code == 409 and "not ready" in early.get_json()["error"]["message"]

    assert worker.build_one() is PackStatus.READY  # one worker round
    ready = api.get(f"/api/v1/review-packs/{body['id']}").get_json()
    assert ready["status"] == "ready" and ready["progress"] == 100
    download = api.get(f"/api/v1/review-packs/{body['id']}/file")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    data = download.get_data()
    assert hashlib.sha256(data).hexdigest() == ready["sha256"]
    assert verify_pack(data).ok
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert set(PACK_FILES) <= set(archive.namelist())
        assert json.loads(archive.read("manifest.json"))["chain_head"] == ready["chain_head"]
    assert api.post(f"/api/v1/incidents/{inc.id}/review-pack").get_json() == ready  # kept, not built again
    assert worker.build_one() is None


def test_a_new_decision_gives_a_new_pack(inc: Any, api_as: Any) -> None:
    api = api_as("politi")
    first = api.post(f"/api/v1/incidents/{inc.id}/review-pack").get_json()
    incident = _incident(inc)
    incident.last_decision_number += 1
    factories.decision(incident, number=incident.last_decision_number, title="Endnu en beslutning",
                       prev_hash=first["chain_head"])
    db.session.commit()
    second = api.post(f"/api/v1/incidents/{inc.id}/review-pack").get_json()
    assert second["id"] != first["id"] and second["chain_head"] != first["chain_head"]


def test_a_municipality_users_pack_holds_its_own_costs(inc: Any, api_as: Any) -> None:
    own = api_as("herning").post(f"/api/v1/incidents/{inc.id}/review-pack").get_json()
    everything = api_as("politi").post(f"/api/v1/incidents/{inc.id}/review-pack").get_json()
    assert own["id"] != everything["id"] and own["costs_of_municipality"] == "657"
    assert api_as("politi").get(f"/api/v1/review-packs/{own['id']}").status_code == 200
    assert api_as("herning").get(f"/api/v1/review-packs/{everything['id']}").status_code == 404
    assert api_as("holstebro").get(f"/api/v1/review-packs/{own['id']}").status_code == 404
    while worker.build_one() is not None:
        pass
    data = api_as("herning").get(f"/api/v1/review-packs/{own['id']}/file").get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert json.loads(archive.read("manifest.json"))["costs_of_municipality"] == "657"
        costs = archive.read("costs.csv").decode("utf-8-sig")
    assert "Herning" in costs and "Holstebro Kommune" not in costs


def test_an_unknown_or_unreadable_incident_is_404(inc: Any, api_as: Any) -> None:
    assert api_as("politi").post("/api/v1/incidents/999999/review-pack").status_code == 404
    assert api_as("politi").get("/api/v1/review-packs/999999").status_code == 404
    assert api_as("politi").get("/api/v1/review-packs/999999/file").status_code == 404
    assert api_as(None).post(f"/api/v1/incidents/{inc.id}/review-pack").status_code == 401


def test_a_broken_build_is_retried_then_failed_and_asked_for_again(inc: Any, api_as: Any, monkeypatch: Any) -> None:
    api = api_as("revisor")
    pack_id = api.post(f"/api/v1/incidents/{inc.id}/review-pack").get_json()["id"]

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(pack_jobs, "write_pack", broken)
    for _attempt in range(pack_jobs.MAX_ATTEMPTS - 1):
        assert worker.build_one() is PackStatus.QUEUED
    assert worker.build_one() is PackStatus.FAILED
    failed = db.session.get(ReviewPack, pack_id)
    assert failed is not None and "disk full" in (failed.error or "")
    assert api.get(f"/api/v1/review-packs/{pack_id}").get_json()["status"] == "failed"
    assert worker.build_one() is None  # a failed pack waits to be asked for again
    monkeypatch.undo()
    assert api.post(f"/api/v1/incidents/{inc.id}/review-pack").get_json()["status"] == "queued"
    assert worker.build_one() is PackStatus.READY


def test_a_sign_off_refers_to_a_ready_current_pack(inc: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        signoff.sign_off(by=user("revisor"), incident=_incident(inc))
    assert "pack" in refused.value.fields
    pack = built_pack(inc.id)
    record = signoff.sign_off(by=user("revisor"), incident=_incident(inc), pack_id=pack.id, comment="Godkendt")
    assert record.pack_id == pack.id and record.pack_sha256 == pack.sha256 and record.chain_head == pack.chain_head
    assert record.last_decision_number == pack.last_decision_number
    found = signoff.signed_pack(incident=_incident(inc), sign_off_id=record.id)
    assert isinstance(found, ReviewPack) and hashlib.sha256(pack_bytes(found)).hexdigest() == record.pack_sha256
    db.session.commit()
    assert pack_jobs.current_pack(by=user("revisor"), incident=_incident(inc)) == pack  # the signed pack stays
    add_finding(by=user("revisor"), incident=_incident(inc), observation="Et fund efter pakken")
    db.session.commit()
    with pytest.raises(ValidationError) as stale:  # the record changed: that pack is no longer current
        signoff.sign_off(by=user("revisor"), incident=_incident(inc), pack_id=pack.id)
    assert "changed" in stale.value.fields["pack"][0]


def test_the_review_page_asks_for_the_pack_and_offers_it_when_ready(inc: Any, login: Any) -> None:
    client = login("revisor")
    page = client.get(f"/review/incidents/{inc.id}").get_data(as_text=True)
    assert "Byg evalueringspakken" in page
    assert client.get(f"/review/incidents/{inc.id}/pack.zip").status_code == 302  # not built yet
    response = client.post(f"/review/incidents/{inc.id}/pack")
    assert response.status_code == 302
    page = client.get(f"/review/incidents/{inc.id}").get_data(as_text=True)
    assert "<progress" in page and "Venter på arbejderen" in page
    taken = pack_jobs.take()  # the worker's round, without ending the session the test client shares
    assert taken is not None and pack_jobs.build(taken).status is PackStatus.READY
    page = client.get(f"/review/incidents/{inc.id}").get_data(as_text=True)
    assert "Hent evalueringspakken (ZIP)" in page
    data = client.get(f"/review/incidents/{inc.id}/pack.zip").get_data()
    assert verify_pack(data).ok
    pdf = client.get(f"/review/incidents/{inc.id}/review.pdf")
    assert pdf.mimetype == "application/pdf" and PdfReader(io.BytesIO(pdf.get_data())).pages


def test_a_long_log_goes_to_the_pdf_as_appendices(inc: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(pack_pdf, "LOG_INLINE", 2)
    monkeypatch.setattr(pack_pdf, "LOG_PART", 3)
    monkeypatch.setattr(pack_stream, "PAGE", 2)  # several pages of decisions, too
    pack = built_pack(inc.id)
    with zipfile.ZipFile(io.BytesIO(pack_bytes(pack))) as archive:
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read("review.pdf"))).pages)
        decisions = json.loads(archive.read("decisions.json"))["decisions"]
    assert [d["number"] for d in decisions] == list(range(1, len(decisions) + 1)) and len(decisions) >= 4
    assert "Bilag 1 af 2" in text and "Bilag 2 af 2" in text
    for d in decisions:
        assert d["title"] in text
