"""The review pack: manifest hashes, verify-pack (service and CLI), CSV format, PDF smoke test."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from pypdf import PdfReader

from lbs.decisions import compliance
from lbs.review import integrity, pack, pack_pdf
from lbs.review.pack import PACK_FILES, sha256
from lbs.review.whole import incident_review
from tests import factories
from tests.review.packtools import resign


@pytest.fixture
def review(app, monkeypatch):
    monkeypatch.setattr(compliance, "required_consultations", factories.fake_required_consultations)
    monkeypatch.setattr(integrity, "check_chain", lambda incident_id: integrity.IntegrityResult(True, True, 4, None))
    inc = factories.review_incident_with_decisions(title="Skybrud i Herning – æøå ÆØÅ & \"Brand\"")
    return incident_review(inc)


def _rezip(data: bytes, change: dict[str, bytes | None]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            if name in change:
                if change[name] is not None:
                    dst.writestr(name, change[name])
            else:
                dst.writestr(name, src.read(name))
        for name, content in change.items():
            if name not in src.namelist() and content is not None:
                dst.writestr(name, content)
    return out.getvalue()


def test_manifest_lists_every_file_with_its_hash_and_the_chain_head(review):
    data = pack.build_pack(review)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert set(archive.namelist()) == {*PACK_FILES, "manifest.json", "manifest.sig"}
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            assert sha256(archive.read(entry["name"])) == entry["sha256"]
        assert {e["name"] for e in manifest["files"]} == set(PACK_FILES)
        assert manifest["chain_head"] == review.decisions[-1].decision.hash == review.chain_head
        assert manifest["decisions"] == 4
        decisions = json.loads(archive.read("decisions.json"))
        assert [d["number"] for d in decisions["decisions"]] == [1, 2, 3, 4]
        assert decisions["decisions"][3]["amends"] == 2
        rosters = json.loads(archive.read("rosters.json"))
        assert rosters[0]["seats"][0]["role"] == "decision_maker"
        assert rosters[0]["seats"][0]["deputy_acting"] is True
        raw = archive.read("decisions.csv")
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        assert rows[0][:3] == ["number", "decided_at", "recorded_at"] and len(rows) == 5
        costs = list(csv.reader(io.StringIO(archive.read("costs.csv").decode("utf-8-sig")), delimiter=";"))
        assert len(costs) == 5 and {r[-1] for r in costs[1:]} == {"yes", "no"}
        consultations = archive.read("consultations.csv").decode("utf-8-sig")
        assert "657:kommunaldirektoer" in consultations
    assert pack.verify_pack(data).ok


def test_verify_pack_finds_a_changed_missing_or_unlisted_file(review):
    data = pack.build_pack(review)
    changed = pack.verify_pack(_rezip(data, {"costs.csv": b"\xef\xbb\xbfid;changed\r\n"}))
    assert not changed.ok and changed.problem.startswith("costs.csv")
    missing = pack.verify_pack(_rezip(data, {"findings.csv": None}))
    assert not missing.ok and missing.problem == "findings.csv: missing"
    extra = pack.verify_pack(_rezip(data, {"extra.txt": b"x"}))
    assert not extra.ok and extra.problem.startswith("extra.txt")
    assert not pack.verify_pack(b"not a zip").ok
    assert pack.verify_pack(_rezip(data, {"manifest.json": None})).problem == "manifest.json: missing"
    assert not pack.verify_pack(_rezip(data, {"manifest.json": b"{"})).ok


def test_verify_pack_checks_the_chain_head(review):
    data = pack.build_pack(review)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["chain_head"] = "0" * 64
    result = pack.verify_pack(resign(_rezip(data, {"manifest.json": json.dumps(manifest).encode()})))
    assert not result.ok and "chain head" in result.problem


def test_verify_pack_cli_exit_codes(review, runner, tmp_path):
    data = pack.build_pack(review)
    good = tmp_path / "pack.zip"
    good.write_bytes(data)
    ok = runner.invoke(args=["lbs", "verify-pack", str(good)])
    assert ok.exit_code == 0, ok.output
    # The listed files are checked; the manifest itself is not counted.
    assert f"{len(PACK_FILES) + 1} files" not in ok.output and f"{len(PACK_FILES)} files" in ok.output
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_rezip(data, {"decisions.json": data[:100]}))
    result = runner.invoke(args=["lbs", "verify-pack", str(bad)])
    assert result.exit_code == 1
    assert "decisions.json" in result.output
    absent = runner.invoke(args=["lbs", "verify-pack", str(tmp_path / "nothing.zip")])
    assert absent.exit_code == 1


def test_pdf_pages_danish_text_and_decision_count(review):
    data = pack.render_pdf(review)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Skybrud i Herning – æøå ÆØÅ" in text
    # the running footer carries the title, unescaped, on every page
    assert text.count('Evaluering · Skybrud i Herning – æøå ÆØÅ & "Brand"') == len(reader.pages)
    assert "Beslutninger i denne rapport: 4" in text
    assert "Indhold" in text  # the table of contents
    assert f"Side 1 af {len(reader.pages)}" in text
    assert "Kommunaldirektør, Herning Kommune" in text
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4


def test_large_incidents_detail_only_decisions_needing_attention(review, monkeypatch):
    monkeypatch.setattr(pack_pdf, "DETAIL_LIMIT", 3)
    detailed, left_out = pack.pdf_details(review)
    # decision 1 needs no attention (consulted as required, on the roster, recorded in time)
    assert [r.decision.number for r in detailed] == [2, 3, 4] and left_out == 1
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pack.render_pdf(review))).pages)
    assert "3 af 4 beslutninger er detaljeret her" in text
    assert "Afspærring af Herning midtby" in text  # decision 1 is still in the decision log overview
