"""Attachments in the review pack: their bytes under ``attachments/``, hashed in the manifest and listed in
``attachments.csv`` and ``decisions.json``; ``verify-pack`` passes, and fails naming a file changed in the ZIP."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from sqlalchemy import select

from lbs.auth.models import User
from lbs.auth.permissions import Action, can
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.review.pack import PACK_FILES, sha256, verify_pack
from lbs.review.pack_attachments import safe_name
from lbs.review.signoff import sign_off, signed_pack
from tests.attachments import files
from tests.attachments.conftest import RECORDED_PDF as PDF_NAME
from tests.review.packs import built_pack, pack_bytes

PDF_PATH = f"attachments/1/1-{PDF_NAME}"
PNG_PATH = "attachments/1/2-diget.png"


def _pack(login: Any, username: str, incident_id: int) -> bytes:
    """The pack of ``username``'s scope, built by the worker, downloaded from the review page's link."""
    built_pack(incident_id, username)
    response = login(username).get(f"/review/incidents/{incident_id}/pack.zip")
    assert response.status_code == 200
    return bytes(response.get_data())


def test_pack_holds_each_attachment_in_its_manifest(login: Any, recorded: Any) -> None:
    decision, found = recorded
    data = _pack(login, "politi", decision["incident_id"])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert set(archive.namelist()) == {*PACK_FILES, "manifest.json", "manifest.sig", PDF_PATH, PNG_PATH}
        assert archive.read(PDF_PATH) == files.pdf() and archive.read(PNG_PATH) == files.png()
        manifest = {e["name"]: e for e in json.loads(archive.read("manifest.json"))["files"]}
        assert manifest[PDF_PATH]["sha256"] == found[0]["sha256"] == sha256(files.pdf())
        assert manifest[PNG_PATH]["bytes"] == len(files.png())
        rows = list(csv.DictReader(io.StringIO(archive.read("attachments.csv").decode("utf-8-sig")), delimiter=";"))
        assert [(r["decision_number"], r["filename"], r["sha256"], r["path"]) for r in rows] == [
            ("1", PDF_NAME, found[0]["sha256"], PDF_PATH), ("1", "diget.png", found[1]["sha256"], PNG_PATH)]
        assert rows[0]["content_type"] == "application/pdf" and rows[0]["size"] == str(len(files.pdf()))
        assert rows[0]["uploaded_by"] and rows[0]["uploaded_at"]
        listed = json.loads(archive.read("decisions.json"))["decisions"][0]["attachments"]
        assert [(a["filename"], a["sha256"], a["path"]) for a in listed] == [
            (PDF_NAME, found[0]["sha256"], PDF_PATH), ("diget.png", found[1]["sha256"], PNG_PATH)]
    result = verify_pack(data)
    assert result.ok and result.checked == len(PACK_FILES) + 2


def _rezip(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == name else src.read(info.filename))
    return out.getvalue()


def test_verify_pack_passes_and_names_a_changed_attachment(login: Any, recorded: Any, runner: Any,
                                                           tmp_path: Any) -> None:
    decision, _found = recorded
    data = _pack(login, "politi", decision["incident_id"])
    good = tmp_path / "pakke.zip"
    good.write_bytes(data)
    ok = runner.invoke(args=["lbs", "verify-pack", str(good)])
    assert ok.exit_code == 0, ok.output
    assert f"{len(PACK_FILES) + 2} files" in ok.output
    bad = tmp_path / "ændret.zip"
    bad.write_bytes(_rezip(data, PDF_PATH, files.pdf("forfalsket")))  # the manifest kept as it was
    failed = runner.invoke(args=["lbs", "verify-pack", str(bad)])
    assert failed.exit_code == 1
    assert f"{PDF_PATH}: SHA-256 does not match the manifest" in failed.output
    dropped = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(dropped, "w") as dst:
        for info in src.infolist():
            if info.filename != PNG_PATH:
                dst.writestr(info.filename, src.read(info.filename))
    assert verify_pack(dropped.getvalue()).problem == f"{PNG_PATH}: missing"


def test_municipality_users_pack_holds_the_attachments_of_its_incident(login: Any, recorded: Any) -> None:
    decision, _found = recorded
    data = _pack(login, "herning", decision["incident_id"])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read(PDF_PATH) == files.pdf()
    assert verify_pack(data).ok


def test_the_signed_pack_holds_the_attachments(recorded: Any) -> None:
    decision, _found = recorded
    reviewer = next(u for u in db.session.scalars(select(User).order_by(User.id)) if can(u, Action.REVIEW_WRITE))
    built_pack(decision["incident_id"], reviewer.username)
    record = sign_off(by=reviewer, incident=db.session.get(Incident, decision["incident_id"]))
    signed = signed_pack(incident=db.session.get(Incident, decision["incident_id"]), sign_off_id=record.id)
    signed_bytes = signed if isinstance(signed, bytes) else pack_bytes(signed)
    with zipfile.ZipFile(io.BytesIO(signed_bytes)) as archive:
        assert archive.read(PNG_PATH) == files.png()
    assert verify_pack(signed_bytes).ok


def test_safe_names_in_the_zip() -> None:
    for given in ("../../etc/passwd", "..\\..\\boot.ini", "a/b/c.pdf", "navn\x00.pdf", " .. ", "\x01\x02", "a..b"):
        name = safe_name(given)
        assert name and "/" not in name and "\\" not in name and ".." not in name
        assert not name.startswith(".") and all(ord(c) >= 32 for c in name)
    assert safe_name("Vurdering af diget æøå.pdf") == "Vurdering af diget æøå.pdf"
    assert safe_name(" .. ") == "bilag"
