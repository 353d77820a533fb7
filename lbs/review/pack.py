"""The review pack: a ZIP with the decision log (JSON, CSV), costs, consultations, roster snapshots,
findings, the PDF report and a manifest of SHA-256 hashes plus the chain head, signed by the instance's key."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app

from lbs.decisions import appended
from lbs.review import hearings, pack_attachments, signing, timeline, verify
from lbs.review.labels import labels_context
from lbs.review.rows import DecisionReview, DoneConsultation
from lbs.review.whole import IncidentReview
from lbs.spreadsheet import Number, csv_bytes
from lbs.timeutil import utcnow

MANIFEST = verify.MANIFEST
SIGNATURE = verify.SIGNATURE
PACK_FILES = ("decisions.json", "decisions.csv", "costs.csv", "consultations.csv", "consultation_requests.csv",
              "rosters.json", "findings.csv", "attachments.csv", "review.pdf")
# A fixed timestamp inside the ZIP so that the same content gives the same archive bytes.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _decision_json(r: DecisionReview) -> dict[str, Any]:
    d = r.decision
    return {
        "id": d.id, "number": d.number, "staff": r.staff_code, "decided_at": _iso(d.decided_at),
        "recorded_at": _iso(d.recorded_at), "decided_by": d.decided_by_id, "decided_by_name": r.decided_by_name,
        # As recorded when the decision was logged (None on rows logged before they were recorded).
        "decided_by_job_title": d.decided_by_job_title, "decided_by_seat": d.decided_by_seat,
        "decided_by_off_roster": d.decided_by_off_roster, "owner": d.owner_id, "owner_name": r.owner_name,
        "type": d.type.value, "title": d.title, "decision": d.decision, "information": d.information,
        "options": d.options, "rationale": d.rationale, "legal_basis": d.legal_basis,
        "expected_outcome": d.expected_outcome, "urgent": d.urgent, "conditions": d.conditions,
        "amends": r.amends_number, "amendment_reason": d.amendment_reason, "delay_reason": d.delay_reason,
        "missing_reason": d.missing_reason, "delay_minutes": r.delay_minutes,
        "required_consultations": [j.as_json() for j in r.judged],
        "missing_consultations": [j.as_json() for j in r.judged if not j.met],
        "after_sign_off": r.after_sign_off, "prev_hash": d.prev_hash, "hash": d.hash,
        "attachments": pack_attachments.decision_attachments_json(r),
    }


def pack_files(review: IncidentReview, *, generated_at: datetime) -> dict[str, bytes]:
    """The pack's files (without the manifest)."""
    incident = review.incident
    decisions = {
        "incident": {"id": incident.id, "title": incident.title, "kind": incident.kind.value,
                     "started_at": _iso(incident.started_at), "ended_at": _iso(incident.ended_at),
                     "municipalities": list(review.municipalities), "exercise": incident.exercise,
                     "history": [{"kind": h.kind.value, "recorded_at": _iso(h.recorded_at), "by": h.by_name,
                                  "ended_at": _iso(h.ended_at), "reason": h.reason} for h in review.history]},
        "decisions": [_decision_json(r) for r in review.decisions],
        # Consultations appended after their decisions were logged, in the order of their own chain.
        "appended_consultations": appended.chain_records(incident.id),
    }
    files: dict[str, bytes] = {}
    files["decisions.json"] = json.dumps(decisions, ensure_ascii=False, indent=2).encode("utf-8")
    files["decisions.csv"] = csv_bytes(
        ["number", "decided_at", "recorded_at", "staff", "type", "title", "decided_by", "owner", "urgent", "amends",
         "amendment_reason", "required", "status", "missing", "delay_minutes", "delay_reason", "hash", "prev_hash",
         "decided_by_job_title", "decided_by_seat"],
        ([r.decision.number, _iso(r.decision.decided_at), _iso(r.decision.recorded_at), r.staff_code,
          r.decision.type.value, r.decision.title, r.decided_by_name, r.owner_name,
          "yes" if r.decision.urgent else "no", r.amends_number, r.decision.amendment_reason,
          " ".join(q.party_key for q in r.required),
          " ".join(f"{j.requirement.party_key}:{j.status.value}" for j in r.judged),
          " ".join(q.party_key for q in r.missing), r.delay_minutes, r.decision.delay_reason, r.decision.hash,
          r.decision.prev_hash, r.decision.decided_by_job_title, r.decision.decided_by_seat]
         for r in review.decisions),
    )
    files["costs.csv"] = csv_bytes(
        ["id", "decision_number", "bearer", "category", "description", "estimate_dkk", "actual_dkk", "status",
         "provisional", "superseded"],
        ([line.id, r.decision.number, line.bearer.name, line.category.value, line.description,
          Number(f"{line.estimate_dkk:.2f}"), Number(f"{line.actual_dkk:.2f}") if line.actual_dkk is not None else None,
          line.status.value, "yes" if line.provisional else "no", "yes" if line.superseded_by_id else "no"]
         for r in review.decisions for line in r.costs),
    )
    files["consultations.csv"] = csv_bytes(
        ["decision_number", "party", "name", "required", "required_mode", "status", "done", "mode", "outcome",
         "consulted_at", "rule", "appended", "recorded_at", "recorded_by"],
        _consultation_rows(review),
    )
    # The consultation requests asked via LBS Register, with their answers.
    files["consultation_requests.csv"] = csv_bytes(hearings.CSV_HEADER, hearings.csv_rows(review.hearing))
    files["rosters.json"] = json.dumps(
        [{"decision": r.decision.number, "at": _iso(r.decision.decided_at),
          "seats": [seat.as_json() for seat in r.roster],  # as known when the decision was logged
          "corrected_seats": [seat.as_json() for seat in r.corrected_roster],  # where a correction changed them
          "corrections": [c.as_json() for c in r.corrections]} for r in review.decisions],
        ensure_ascii=False, indent=2).encode("utf-8")
    files["findings.csv"] = findings_csv(review)
    files[pack_attachments.CSV_NAME] = csv_bytes(pack_attachments.CSV_HEADER,
                                                 pack_attachments.csv_rows(review.decisions))
    files["review.pdf"] = render_pdf(review, generated_at=generated_at)
    return files


def _consultation_rows(review: IncidentReview) -> Iterable[list[Any]]:
    """One row per consultation done (a required party not consulted: one row without one), each with what
    was required of its party and the requirement's status (judged over all the party's consultations), and
    whether it was appended after the decision was logged (when, and by whom)."""
    for r in review.decisions:
        judged = {j.requirement.party_key: j for j in r.judged}
        done: dict[str, list[DoneConsultation | None]] = {}
        for consulted in r.done:
            done.setdefault(consulted.party_key, []).append(consulted)
        for key in sorted(set(done) | set(judged)):
            j = judged.get(key)
            q = j.requirement if j else None
            for c in done.get(key) or [None]:
                yield [r.decision.number, key, (c.party_name if c else q.name if q else key),
                       "yes" if q else "no", q.mode if q else None, j.status.value if j else None,
                       "yes" if c else "no", c.mode if c else None, c.outcome if c else None,
                       _iso(c.consulted_at) if c else None, q.rule if q else None,
                       ("yes" if c.appended else "no") if c else None, _iso(c.recorded_at) if c else None,
                       c.recorded_by if c else None]


def findings_csv(review: IncidentReview) -> bytes:
    return csv_bytes(
        ["id", "decision_number", "observation", "recommendation", "owner", "created_at", "created_by"],
        ([f.finding.id, f.decision_number, f.finding.observation, f.finding.recommendation, f.owner_name,
          _iso(f.finding.created_at), f.author] for f in review.findings),
    )


# WeasyPrint lays out about ten pages a second: above this many decisions the PDF details only those that
# need attention (the decision overview still lists every decision; the pack's JSON holds them all).
PDF_DETAIL_LIMIT = 50


def pdf_details(review: IncidentReview) -> tuple[list[DecisionReview], int]:
    """The decisions detailed in the PDF, and how many are left out of the details."""
    if len(review.decisions) <= PDF_DETAIL_LIMIT:
        return list(review.decisions), 0
    with_findings = {f.decision_number for f in review.findings if f.decision_number is not None}
    notable = [
        r for r in review.decisions
        if r.missing or r.decision.urgent or r.amends_number is not None or r.amended_by or r.after_sign_off
        or r.late_unexplained or r.decision.decided_by_off_roster or r.has_appended
        or r.decision.number in with_findings or r.attachments
    ][:PDF_DETAIL_LIMIT]
    return notable, len(review.decisions) - len(notable)


def render_pdf(review: IncidentReview, *, generated_at: datetime | None = None) -> bytes:
    """The review report as PDF (A4, Danish, page numbers, table of contents)."""
    from flask_babel import force_locale
    from weasyprint import HTML

    at = generated_at or utcnow()
    with force_locale("da"):
        # Rendered without the request's context processors: the PDF is also built from the CLI and services.
        template = current_app.jinja_env.get_template("review/pdf.html")
        detailed, left_out = pdf_details(review)
        html = template.render(review=review, generated_at=at, timeline=timeline.for_review(review, now=at),
                               detailed=detailed, left_out=left_out, signing_key=signing.instance_public_key(),
                               **labels_context())
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def manifest(files: dict[str, bytes], review: IncidentReview, *, generated_at: datetime,
             streamed: Sequence[pack_attachments.Written] = ()) -> bytes:
    """The manifest: every file's SHA-256 and size (``streamed``: the attachments, hashed as written)."""
    data = {
        "incident_id": review.incident.id,
        "generated_at": generated_at.isoformat(),
        "chain_head": review.chain_head,
        "consultation_head": review.incident.consultation_head,
        "decisions": len(review.decisions),
        "signing_key_fingerprint": signing.instance_public_key().fingerprint,
        "files": [{"name": name, "sha256": sha256(content), "bytes": len(content)} for name, content in files.items()]
        + [{"name": w.name, "sha256": w.sha256, "bytes": w.size} for w in streamed],
    }
    if review.costs_of is not None:  # a municipality's pack: its own cost lines alone
        data["costs_of_municipality"] = review.costs_of
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def build_pack(review: IncidentReview, *, generated_at: datetime | None = None) -> bytes:
    at = generated_at or utcnow()
    files = pack_files(review, generated_at=at)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=_ZIP_TIME), content,
                             compress_type=zipfile.ZIP_DEFLATED)
        streamed = pack_attachments.write_attachments(archive, review.decisions, _ZIP_TIME)
        write_signed_manifest(archive, manifest(files, review, generated_at=at, streamed=streamed))
    return out.getvalue()


def write_signed_manifest(archive: zipfile.ZipFile, content: bytes) -> None:
    """``manifest.json`` and its Ed25519 signature by this instance's key, ``manifest.sig``."""
    for name, data in ((MANIFEST, content), (SIGNATURE, signing.sign(content))):
        archive.writestr(zipfile.ZipInfo(name, date_time=_ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)


def verify_pack(data: bytes | str | Path, key: signing.PublicKey | None = None) -> verify.PackCheck:
    """The strict check of :mod:`lbs.review.verify`, against ``key`` (default: this instance's key)."""
    return verify.verify_pack(data, key or signing.instance_public_key())
