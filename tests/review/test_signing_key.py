"""The instance's signing key: generated once (0600, the same key for workers starting at once) or taken from
``LBS_SIGNING_KEY``; served without sign-in by ``GET /api/v1/signing-key``, shown on the review page and the
PDF's last page, and stored with each sign-off."""

from __future__ import annotations

import hashlib
import io
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader
from sqlalchemy import select

from lbs.auth.models import User
from lbs.auth.permissions import Action, can
from lbs.decisions import compliance
from lbs.extensions import db
from lbs.review import integrity, pack, signing
from lbs.review.models import SignOff
from lbs.review.signoff import sign_off
from lbs.review.whole import incident_review
from tests import factories
from tests.review.packs import built_pack, pack_bytes


def test_the_key_is_generated_once_with_0600_and_the_same_for_racing_workers(tmp_path):
    path = tmp_path / "instance" / "signing_key.pem"
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        signing._generate(path)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    signing._generate(path)
    assert path.read_bytes() == first
    assert [p.name for p in path.parent.iterdir()] == ["signing_key.pem"]  # no temporary file left behind
    assert isinstance(signing.load_private(path), Ed25519PrivateKey)


def test_lbs_signing_key_names_the_key(app, tmp_path, monkeypatch):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "lbs.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    monkeypatch.setitem(app.config, "LBS_SIGNING_KEY", str(path))
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert signing.instance_public_key().fingerprint == hashlib.sha256(raw).hexdigest()
    monkeypatch.setitem(app.config, "LBS_SIGNING_KEY", str(tmp_path / "absent.pem"))
    with pytest.raises(signing.SigningKeyError):  # a configured key is never generated in its place
        signing.instance_public_key()
    assert not (tmp_path / "absent.pem").exists()


@pytest.fixture
def incident(app, monkeypatch):
    monkeypatch.setattr(compliance, "required_consultations", factories.fake_required_consultations)
    monkeypatch.setattr(integrity, "check_chain", lambda incident_id: integrity.IntegrityResult(True, True, 4, None))
    return factories.review_incident_with_decisions(title="Skybrud")


def test_the_key_is_public_shown_on_the_page_and_kept_with_the_sign_off(client, login, incident, monkeypatch):
    response = client.get("/api/v1/signing-key")  # no token
    assert response.status_code == 200
    body = response.get_json()
    public = serialization.load_pem_public_key(body["public_key_pem"].encode())
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert body["fingerprint"] == hashlib.sha256(raw).hexdigest() == signing.instance_public_key().fingerprint
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["paths"]["/api/v1/signing-key"]["get"]["security"] == []

    reviewer = next(u for u in db.session.scalars(select(User).order_by(User.id)) if can(u, Action.REVIEW_WRITE))
    ready = built_pack(incident.id, reviewer.username)
    record = sign_off(by=reviewer, incident=incident)
    assert record.signing_key_fingerprint == body["fingerprint"] == ready.signing_key_fingerprint
    db.session.expire_all()
    assert db.session.get(SignOff, record.id).signing_key_fingerprint == body["fingerprint"]
    assert pack.verify_pack(pack_bytes(ready)).ok and record.pack_id == ready.id

    page = login(reviewer.username).get(f"/review/incidents/{incident.id}").get_data(as_text=True)
    assert "Pakker signeres med nøglen" in page and "Signeret med nøglen" in page
    assert page.count(body["fingerprint"]) == 2  # the instance's key, and the one the sign-off was signed with


def test_the_pdf_prints_the_key_on_its_last_page(incident):
    key = signing.instance_public_key()
    reader = PdfReader(io.BytesIO(pack.render_pdf(incident_review(incident))))
    last = "".join(reader.pages[-1].extract_text().split())
    assert "Pakkenssigneringsnøgle" in last
    assert key.fingerprint in last
    assert "".join(key.pem.split()) in last


def test_a_key_file_that_is_not_ed25519_is_refused(tmp_path: Path):
    path = tmp_path / "junk.pem"
    path.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(signing.SigningKeyError):
        signing.load_private(path)
    with pytest.raises(signing.SigningKeyError):
        signing.load_public(path)
