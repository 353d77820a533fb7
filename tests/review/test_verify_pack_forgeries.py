"""Forged review packs: each way of forging one that used to pass ``verify-pack`` is refused, with exit 1 and
one line naming the problem (never a traceback), and a genuine pack still passes."""

from __future__ import annotations

import io
import json
import stat
import struct
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lbs.decisions import compliance
from lbs.review import integrity, pack, signing
from lbs.review.whole import incident_review
from tests import factories


@pytest.fixture
def genuine(app, monkeypatch) -> bytes:
    monkeypatch.setattr(compliance, "required_consultations", factories.fake_required_consultations)
    monkeypatch.setattr(integrity, "check_chain", lambda incident_id: integrity.IntegrityResult(True, True, 4, None))
    monkeypatch.setattr(pack, "render_pdf", lambda review, generated_at=None: b"%PDF-1.7 test")
    return pack.build_pack(incident_review(factories.review_incident_with_decisions(title="Skybrud")))


def members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def write(entries: list[tuple[str | zipfile.ZipInfo, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A ZIP of exactly these entries, in this order, duplicates and all (as a forger writes it)."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name: that is the point
        with zipfile.ZipFile(out, "w", compression) as archive:
            for name, content in entries:
                archive.writestr(name, content)
    return out.getvalue()


def manifest_of(data: bytes) -> dict[str, Any]:
    return json.loads(dict(members(data))["manifest.json"])


def cli(runner, tmp_path: Path, data: bytes, *extra: str) -> Any:
    path = tmp_path / "pakke.zip"
    path.write_bytes(data)
    started = time.monotonic()
    result = runner.invoke(args=["lbs", "verify-pack", str(path), *extra])
    assert time.monotonic() - started < 10
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1, result.output
    return result


def refused(runner, tmp_path: Path, data: bytes, problem: str, *extra: str) -> None:
    result = cli(runner, tmp_path, data, *extra)
    assert result.exit_code == 1, result.output
    assert problem in result.output, result.output
    assert "intact:" in result.output and "Pack intact" not in result.output


def test_the_genuine_pack_is_signed_and_passes(genuine, runner, tmp_path):
    names = [name for name, _ in members(genuine)]
    assert names[-2:] == ["manifest.json", "manifest.sig"]
    key = signing.instance_public_key()
    assert manifest_of(genuine)["signing_key_fingerprint"] == key.fingerprint
    result = cli(runner, tmp_path, genuine)
    assert result.exit_code == 0 and key.fingerprint in result.output
    pem = tmp_path / "public.pem"
    pem.write_text(key.pem)
    assert cli(runner, tmp_path, genuine, "--public-key", str(pem)).exit_code == 0


def test_a_forged_decisions_json_with_its_hash_recomputed_fails_the_signature(genuine, runner, tmp_path):
    files = dict(members(genuine))
    forged = files["decisions.json"].replace(b"Skybrud", b"Solskin")
    manifest = json.loads(files["manifest.json"])
    for entry in manifest["files"]:
        if entry["name"] == "decisions.json":
            entry["sha256"] = pack.sha256(forged)
    files.update({"decisions.json": forged, "manifest.json": json.dumps(manifest).encode()})
    refused(runner, tmp_path, write(list(files.items())), "manifest.sig: the signature does not hold")


def test_a_manifest_signed_by_another_key_fails(genuine, runner, tmp_path):
    other = Ed25519PrivateKey.generate()
    files = dict(members(genuine))
    files["manifest.sig"] = signing.base64.b64encode(other.sign(files["manifest.json"]))
    refused(runner, tmp_path, write(list(files.items())), "signature does not hold")
    pem = tmp_path / "other.pem"
    pem.write_bytes(other.public_key().public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo))
    # ... and the genuine pack fails against a key it was not signed with.
    refused(runner, tmp_path, genuine, "signature does not hold", "--public-key", str(pem))


def test_only_an_empty_manifest(runner, tmp_path, app):
    empty = b'{"files": []}'
    refused(runner, tmp_path, write([("manifest.json", empty)]), "manifest.sig: missing")
    signed = write([("manifest.json", empty), ("manifest.sig", signing.sign(empty))])  # even by the key's holder
    refused(runner, tmp_path, signed, "manifest.json: lists no files")


def test_a_duplicated_decisions_json_forged_first(genuine, runner, tmp_path):
    entries = members(genuine)
    real = dict(entries)["decisions.json"]
    forged = [("decisions.json", real.replace(b"Skybrud", b"Solskin"))]
    refused(runner, tmp_path, write(forged + entries), "decisions.json: appears more than once")


@pytest.mark.parametrize(("name", "problem"), [
    ("../decisions.json", "'..'"), ("attachments/1/../../../etc/passwd", "'..'"), ("/etc/passwd", "absolute"),
    ("C:/Windows/evil.dll", "absolute"), ("attachments\\1\\x.pdf", "backslash"), ("a\x01b", "control"),
])
def test_unsafe_names(genuine, runner, tmp_path, name, problem):
    refused(runner, tmp_path, write([*members(genuine), (name, b"x")]), problem)


def test_a_symlink_entry(genuine, runner, tmp_path):
    link = zipfile.ZipInfo("attachments/1/1-link.pdf")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    link.create_system = 3
    refused(runner, tmp_path, write([*members(genuine), (link, b"/etc/passwd")]), "a link")


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """The ZIP with ``name``'s uncompressed size in the central directory changed to ``size``."""
    at = data.index(b"PK\x01\x02")
    while True:
        length = struct.unpack("<H", data[at + 28:at + 30])[0]
        if data[at + 46:at + 46 + length] == name.encode():
            return data[:at + 24] + struct.pack("<I", size) + data[at + 28:]
        at = data.index(b"PK\x01\x02", at + 4)


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(genuine, runner, tmp_path):
    # An entry that says it unpacks to 1 GiB (its bytes are 1 MB of zeros' worth of deflate).
    bomb = _declare_size(write([*members(genuine), ("bomb.bin", b"\0" * (1 << 20))]), "bomb.bin", 1 << 30)
    refused(runner, tmp_path, bomb, "bomb.bin: too large")
    # One that really unpacks to 64 MB from about 64 KB: more than 200 times its compressed size.
    ratio = write([*members(genuine), ("attachments/1/1-zeros.bin", b"\0" * (64 << 20))])
    assert len(ratio) < 1 << 20
    refused(runner, tmp_path, ratio, "more than 200 times")


def test_a_bad_crc_is_one_line(app, runner, tmp_path):
    content = b"Beslutning om evakuering af Herning midtby. " * 50
    manifest = json.dumps({"files": [{"name": "note.txt", "sha256": pack.sha256(content)}]}).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("note.txt", content)
        pack.write_signed_manifest(archive, manifest)
    good = out.getvalue()
    assert cli(runner, tmp_path, good).exit_code == 0
    at = good.index(b"evakuering")
    refused(runner, tmp_path, good[:at] + b"E" + good[at + 1:], "note.txt: damaged in the ZIP")


def test_a_deep_json_manifest(app, runner, tmp_path):
    for deep in (b"[" * 200_000 + b"]" * 200_000, b'{"files": ' + b"[" * 40 + b"]" * 40 + b"}"):
        refused(runner, tmp_path, write([("manifest.json", deep), ("manifest.sig", b"AAAA")]), "manifest.sig")
        signed = write([("manifest.json", deep), ("manifest.sig", signing.sign(deep))])
        result = cli(runner, tmp_path, signed)
        assert result.exit_code == 1
        assert "not valid JSON" in result.output or "nested more than 32 levels" in result.output


def test_an_extra_a_missing_and_a_changed_file(genuine, runner, tmp_path):
    entries = members(genuine)
    refused(runner, tmp_path, write([*entries, ("extra.txt", b"x")]), "extra.txt: not listed in the manifest")
    refused(runner, tmp_path, write([e for e in entries if e[0] != "findings.csv"]), "findings.csv: missing")
    changed = [(n, b"\xef\xbb\xbfid;changed\r\n" if n == "costs.csv" else c) for n, c in entries]
    refused(runner, tmp_path, write(changed), "costs.csv: SHA-256 does not match the manifest")


def test_bad_inputs_to_the_command(app, runner, tmp_path):
    refused(runner, tmp_path, b"not a zip", "not a ZIP file")
    refused(runner, tmp_path, b"", "not a ZIP file")
    absent = runner.invoke(args=["lbs", "verify-pack", str(tmp_path / "nothing.zip")])
    assert absent.exit_code == 1 and len(absent.output.strip().splitlines()) == 1
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    refused_key = cli(runner, tmp_path, b"PK", "--public-key", str(junk))
    assert refused_key.exit_code == 1 and "not a PEM public key" in refused_key.output


def test_a_directory_is_one_line_and_exit_1(app, runner, tmp_path):
    for args in ([str(tmp_path)], [str(tmp_path / "x.zip"), "--public-key", str(tmp_path)]):
        result = runner.invoke(args=["lbs", "verify-pack", *args])
        assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1, result.output
