"""The review pack lists the appended consultations' chain, and verify-pack checks it against the manifest."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest

from lbs.consultation.models import Mode, Outcome
from lbs.decisions import appended, compliance
from lbs.decisions.draft import ConsultationDraft
from lbs.extensions import db
from lbs.review import integrity, pack
from lbs.review.whole import incident_review
from lbs.timeutil import utcnow
from tests import factories
from tests.review.packtools import resign
from tests.review.test_pack import _rezip


@pytest.fixture
def review(app, monkeypatch):
    monkeypatch.setattr(compliance, "required_consultations", factories.fake_required_consultations)
    monkeypatch.setattr(integrity, "check_chain", lambda incident_id: integrity.IntegrityResult(True, True, 4, None))
    monkeypatch.setattr(pack, "render_pdf", lambda review, generated_at=None: b"%PDF-1.7 test")
    inc = factories.review_incident_with_decisions(title="Skybrud")
    last = factories.decisions_of(inc)[-1]
    for outcome in (Outcome.NO_ANSWER, Outcome.AGREED):
        appended.append_consultation(decision=last, by=None, item=ConsultationDraft(
            "657:kommunaldirektoer", utcnow() - timedelta(minutes=1), Mode.APPROVE, outcome, "telefon", None))
    db.session.flush()
    db.session.refresh(inc)
    return incident_review(inc)


def _read(data: bytes) -> tuple[dict, dict]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read("manifest.json")), json.loads(archive.read("decisions.json"))


def test_the_pack_lists_the_appended_chain_and_its_head(review):
    data = pack.build_pack(review)
    manifest, decisions = _read(data)
    items = decisions["appended_consultations"]
    assert [i["seq"] for i in items] == [1, 2] and [i["outcome"] for i in items] == ["no_answer", "agreed"]
    assert items[0]["prev_hash"] is None and items[1]["prev_hash"] == items[0]["hash"]
    assert manifest["consultation_head"] == items[-1]["hash"] == review.incident.consultation_head
    assert pack.verify_pack(data).ok


def test_verify_pack_catches_a_dropped_appended_consultation(review):
    data = pack.build_pack(review)
    manifest, decisions = _read(data)
    decisions["appended_consultations"].pop()
    changed = json.dumps(decisions).encode()
    manifest["files"] = [{**e, "sha256": pack.sha256(changed)} if e["name"] == "decisions.json" else e
                         for e in manifest["files"]]
    result = pack.verify_pack(resign(_rezip(data, {"decisions.json": changed,
                                                   "manifest.json": json.dumps(manifest).encode()})))
    assert not result.ok and "consultation head" in result.problem


def test_packs_without_a_consultation_head_still_verify(review):
    data = pack.build_pack(review)
    manifest, _decisions = _read(data)
    del manifest["consultation_head"]
    assert pack.verify_pack(resign(_rezip(data, {"manifest.json": json.dumps(manifest).encode()}))).ok
