"""What the review pack's files say: the JSON of the incident and of each decision, the CSVs' columns and rows
per decision, the findings CSV, and the signed manifest (written by :mod:`lbs.review.pack_stream`)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from lbs.incidents.models import Incident
from lbs.review import pack_attachments, signing, verify
from lbs.review.findings import FindingRow
from lbs.review.page import ReviewSummary
from lbs.review.rows import DecisionReview, DoneConsultation
from lbs.spreadsheet import Number, csv_bytes

MANIFEST = verify.MANIFEST
SIGNATURE = verify.SIGNATURE
PACK_FILES = ("decisions.json", "decisions.csv", "costs.csv", "consultations.csv", "consultation_requests.csv",
              "rosters.json", "findings.csv", "attachments.csv", "review.pdf")
__all__ = ["PACK_FILES", "csv_bytes"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def incident_json(incident: Incident, summary: ReviewSummary) -> dict[str, Any]:
    return {"id": incident.id, "title": incident.title, "kind": incident.kind.value,
            "started_at": _iso(incident.started_at), "ended_at": _iso(incident.ended_at),
            "municipalities": list(summary.municipalities), "exercise": incident.exercise,
            "history": [{"kind": h.kind.value, "recorded_at": _iso(h.recorded_at), "by": h.by_name,
                         "ended_at": _iso(h.ended_at), "reason": h.reason} for h in summary.history]}


def decision_json(r: DecisionReview) -> dict[str, Any]:
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


def roster_json(r: DecisionReview) -> dict[str, Any]:
    return {"decision": r.decision.number, "at": _iso(r.decision.decided_at),
            "seats": [seat.as_json() for seat in r.roster],  # as known when the decision was logged
            "corrected_seats": [seat.as_json() for seat in r.corrected_roster],  # where a correction changed them
            "corrections": [c.as_json() for c in r.corrections]}


def _decision_rows(r: DecisionReview) -> Iterable[list[Any]]:
    d = r.decision
    yield [d.number, _iso(d.decided_at), _iso(d.recorded_at), r.staff_code, d.type.value, d.title,
           r.decided_by_name, r.owner_name, "yes" if d.urgent else "no", r.amends_number, d.amendment_reason,
           " ".join(q.party_key for q in r.required),
           " ".join(f"{j.requirement.party_key}:{j.status.value}" for j in r.judged),
           " ".join(q.party_key for q in r.missing), r.delay_minutes, d.delay_reason, d.hash, d.prev_hash,
           d.decided_by_job_title, d.decided_by_seat]


def _cost_rows(r: DecisionReview) -> Iterable[list[Any]]:
    for line in r.costs:
        yield [line.id, r.decision.number, line.bearer.name, line.category.value, line.description,
               Number(f"{line.estimate_dkk:.2f}"),
               Number(f"{line.actual_dkk:.2f}") if line.actual_dkk is not None else None,
               line.status.value, "yes" if line.provisional else "no", "yes" if line.superseded_by_id else "no"]


def _consultation_rows(r: DecisionReview) -> Iterable[list[Any]]:
    """One row per consultation done (a required party not consulted: one row without one), each with what
    was required of its party and the requirement's status (judged over all the party's consultations), and
    whether it was appended after the decision was logged (when, and by whom)."""
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


CSV_HEADERS: dict[str, list[str]] = {
    "decisions.csv": ["number", "decided_at", "recorded_at", "staff", "type", "title", "decided_by", "owner",
                      "urgent", "amends", "amendment_reason", "required", "status", "missing", "delay_minutes",
                      "delay_reason", "hash", "prev_hash", "decided_by_job_title", "decided_by_seat"],
    "costs.csv": ["id", "decision_number", "bearer", "category", "description", "estimate_dkk", "actual_dkk",
                  "status", "provisional", "superseded"],
    "consultations.csv": ["decision_number", "party", "name", "required", "required_mode", "status", "done", "mode",
                          "outcome", "consulted_at", "rule", "appended", "recorded_at", "recorded_by"],
    pack_attachments.CSV_NAME: pack_attachments.CSV_HEADER,
}
CSV_ROWS: dict[str, Callable[[DecisionReview], Iterable[Sequence[Any]]]] = {
    "decisions.csv": _decision_rows,
    "costs.csv": _cost_rows,
    "consultations.csv": _consultation_rows,
    pack_attachments.CSV_NAME: lambda r: pack_attachments.csv_rows([r]),
}


def findings_csv(rows: Sequence[FindingRow]) -> bytes:
    return csv_bytes(
        ["id", "decision_number", "observation", "recommendation", "owner", "created_at", "created_by"],
        ([f.finding.id, f.decision_number, f.finding.observation, f.finding.recommendation, f.owner_name,
          _iso(f.finding.created_at), f.author] for f in rows),
    )


def manifest(files: Sequence[tuple[str, str, int]], *, incident: Incident, generated_at: datetime,
             chain_head: str | None, decisions: int, costs_of: str | None) -> bytes:
    """The manifest: every file's (name, SHA-256, size), the chain heads and the key that signs it."""
    data: dict[str, Any] = {
        "incident_id": incident.id,
        "generated_at": generated_at.isoformat(),
        "chain_head": chain_head,
        "consultation_head": incident.consultation_head,
        "decisions": decisions,
        "signing_key_fingerprint": signing.instance_public_key().fingerprint,
        "files": [{"name": name, "sha256": digest, "bytes": size} for name, digest, size in files],
    }
    if costs_of is not None:  # a municipality's pack: its own cost lines alone
        data["costs_of_municipality"] = costs_of
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def write_signed_manifest(archive: zipfile.ZipFile, content: bytes,
                          date_time: tuple[int, int, int, int, int, int] = (2000, 1, 1, 0, 0, 0)) -> None:
    """``manifest.json`` and its Ed25519 signature by this instance's key, ``manifest.sig``."""
    for name, data in ((MANIFEST, content), (SIGNATURE, signing.sign(content))):
        archive.writestr(zipfile.ZipInfo(name, date_time=date_time), data, compress_type=zipfile.ZIP_DEFLATED)
