"""Decisions as JSON (the API shape) and the decision log as CSV (Danish Excel: UTF-8 BOM, ``;``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import select

from lbs.consultation import services as consultation
from lbs.consultation.models import Consultation
from lbs.costs.models import CostLine
from lbs.decisions import services
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.money import money_str


def cost_json(line: CostLine) -> dict[str, Any]:
    return {
        "id": line.id, "decision_id": line.decision_id, "bearer": line.bearer_id, "category": line.category.value,
        "description": line.description, "estimate_dkk": money_str(line.estimate_dkk),
        "actual_dkk": money_str(line.actual_dkk), "status": line.status.value, "provisional": line.provisional,
        "superseded": line.superseded_by_id is not None,
    }


def consultation_json(item: Consultation) -> dict[str, Any]:
    return {
        "party": item.party.key, "name": item.party.name, "organisation_id": item.party.organisation_id,
        "consulted_at": item.consulted_at.isoformat(), "mode": item.mode.value, "outcome": item.outcome.value,
        "channel": item.channel, "note": item.note,
    }


def _numbers(ids: set[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = db.session.execute(select(Decision.id, Decision.number).where(Decision.id.in_(ids))).all()
    return {row[0]: row[1] for row in rows}


def _amended_by(decisions: Sequence[Decision]) -> dict[int, list[int]]:
    ids = [d.id for d in decisions]
    result: dict[int, list[int]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        query = select(Decision.amends_id, Decision.number).where(Decision.amends_id.in_(chunk)).order_by(
            Decision.number)
        for amends_id, number in db.session.execute(query):
            if amends_id is not None:
                result.setdefault(amends_id, []).append(number)
    return result


def decisions_json(decisions: Sequence[Decision]) -> list[dict[str, Any]]:
    ids = [d.id for d in decisions]
    lines = services.cost_lines(ids)
    consulted = services.consultations_of(ids)
    amended_numbers = _numbers({d.amends_id for d in decisions if d.amends_id is not None})
    amended_by = _amended_by(decisions)
    amended_lines = services.cost_lines(sorted({d.amends_id for d in decisions
                                                if d.amends_id is not None and not lines.get(d.id)}))
    requirements = {}
    with consultation.batch():
        for d in decisions:
            own = lines.get(d.id, [])
            basis = own if own or d.amends_id is None else amended_lines.get(d.amends_id, [])
            requirements[d.id] = services.decision_requirements(d, basis, consulted.get(d.id, []))
    result = []
    for d in decisions:
        required, missing = requirements[d.id]
        result.append({
            "id": d.id, "incident_id": d.incident_id, "number": d.number, "staff": d.staff.code,
            "decided_at": d.decided_at.isoformat(), "recorded_at": d.recorded_at.isoformat(),
            "decided_by": d.decided_by_id, "decided_by_name": d.decided_by.name,
            "decided_by_off_roster": d.decided_by_off_roster, "recorded_by": d.recorded_by_id,
            "owner": d.owner_id, "owner_name": d.owner.name, "type": d.type.value, "title": d.title,
            "decision": d.decision, "information": d.information, "options": d.options, "rationale": d.rationale,
            "legal_basis": d.legal_basis, "expected_outcome": d.expected_outcome, "urgent": d.urgent,
            "conditions": d.conditions, "amends": amended_numbers.get(d.amends_id) if d.amends_id else None,
            "amended_by": amended_by.get(d.id, []), "amendment_reason": d.amendment_reason,
            "delay_reason": d.delay_reason, "missing_reason": d.missing_reason,
            "costs": [cost_json(c) for c in lines.get(d.id, [])],
            "consultations": [consultation_json(c) for c in consulted.get(d.id, [])],
            "required_consultations": [r.as_json() for r in required],
            "missing_consultations": [r.as_json() for r in missing],
            "hash": d.hash, "prev_hash": d.prev_hash,
        })
    return result


def decision_json(decision: Decision) -> dict[str, Any]:
    return decisions_json([decision])[0]


def incident_json(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id, "title": incident.title, "kind": incident.kind.value,
        "started_at": incident.started_at.isoformat(),
        "ended_at": incident.ended_at.isoformat() if incident.ended_at else None,
        "municipalities": [m.code for m in incident.municipalities], "status": incident.status.value,
        "exercise": incident.exercise, "description": incident.description,
    }


CSV_COLUMNS = [
    "number", "decided_at", "recorded_at", "staff", "decided_by", "decided_by_off_roster", "owner", "type",
    "title", "decision", "information", "options", "rationale", "legal_basis", "expected_outcome", "urgent",
    "amends", "amendment_reason", "delay_reason", "missing_reason", "costs", "consultations",
    "missing_consultations", "hash", "prev_hash",
]


def _safe_cell(value: Any) -> str:
    """Text for a spreadsheet cell; a leading = + - @ is neutralised (no formula injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        text = "'" + text
    return text


CSV_BATCH = 500


def _csv_row(item: dict[str, Any]) -> list[str]:
    row = {
        **item,
        "decided_by": item["decided_by_name"],
        "owner": item["owner_name"],
        "decided_by_off_roster": "ja" if item["decided_by_off_roster"] else "nej",
        "urgent": "ja" if item["urgent"] else "nej",
        "options": " | ".join(
            f"{o['text']}{' (valgt)' if o.get('chosen') else ''}"
            f"{': ' + o['rejection_reason'] if o.get('rejection_reason') else ''}" for o in item["options"]),
        "costs": " | ".join(f"{c['category']} {c['estimate_dkk']} (bærer {c['bearer']})" for c in item["costs"]),
        "consultations": " | ".join(f"{c['party']} {c['mode']} {c['outcome']}" for c in item["consultations"]),
        "missing_consultations": " | ".join(c["party"] for c in item["missing_consultations"]),
    }
    return [_safe_cell(row[c]) for c in CSV_COLUMNS]


def csv_batch(incident: Incident, *, after: int, batch: int = CSV_BATCH) -> tuple[bytes, int | None]:
    """One chunk of the incident's decision log as UTF-8 CSV: the byte-order mark and the header first (when
    ``after`` is 0), then the decisions numbered after ``after`` (at most ``batch``); and the ``after`` of the
    next chunk (None after the last)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    if after == 0:
        out.write("\ufeff")
        writer.writerow(CSV_COLUMNS)
    decisions = services.list_decisions(incident=incident, after=after, limit=batch)
    for item in decisions_json(decisions):
        writer.writerow(_csv_row(item))
    following = decisions[-1].number if len(decisions) == batch else None
    return out.getvalue().encode("utf-8"), following


def decisions_csv_chunks(incident: Incident, *, batch: int = CSV_BATCH) -> Iterator[bytes]:
    """The incident's decision log as UTF-8 CSV chunks (byte-order mark first), ``batch`` decisions at a time
    (keyset by number), so memory stays flat however long the log is."""
    after: int | None = 0
    while after is not None:
        chunk, after = csv_batch(incident, after=after, batch=batch)
        yield chunk


def stream_decisions_csv(incident_id: int) -> Iterator[bytes]:
    """``decisions_csv_chunks`` for a streamed response body, produced after the view has returned: each chunk
    in a short app context of its own, none held across a ``yield`` (so an unread body needs no clean-up)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def generate() -> Iterator[bytes]:
        after: int | None = 0
        while after is not None:
            with app.app_context():
                incident = db.session.get(Incident, incident_id)
                if incident is None:
                    return
                chunk, after = csv_batch(incident, after=after)
            yield chunk

    return generate()


def decisions_csv(incident: Incident) -> str:
    """The incident's decision log as CSV text, starting with a byte-order mark."""
    return b"".join(decisions_csv_chunks(incident)).decode("utf-8")
