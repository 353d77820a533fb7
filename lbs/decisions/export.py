"""The decision log exported: CSV for Danish Excel (UTF-8 with a byte-order mark, ``;``) and a JSON array,
each streamed in batches of decisions read in the API shape (:mod:`lbs.decisions.read_model`)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

from flask import current_app

from lbs import fastjson
from lbs.decisions.read_model import incident_decision_records
from lbs.decisions.scope import EVERYTHING, ReadScope, ambient_scope
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.spreadsheet import CsvWriter

CSV_COLUMNS = [
    "number", "decided_at", "recorded_at", "staff", "decided_by", "decided_by_job_title", "decided_by_seat",
    "decided_by_off_roster", "owner", "type",
    "title", "decision", "information", "options", "rationale", "legal_basis", "expected_outcome", "urgent",
    "amends", "amendment_reason", "delay_reason", "missing_reason", "costs", "consultations",
    "required_consultations", "missing_consultations", "hash", "prev_hash",
]


CSV_BATCH = 500


def _csv_row(item: dict[str, Any]) -> list[Any]:
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
        # Each required consultation with its status (met, objected, no_answer, insufficient_form, missing).
        "required_consultations": " | ".join(f"{c['party']} {c['mode']} {c['status']}"
                                             for c in item["required_consultations"]),
        "missing_consultations": " | ".join(f"{c['party']} {c['status']}" for c in item["missing_consultations"]),
    }
    return [row[c] for c in CSV_COLUMNS]


def csv_batch(incident: Incident, *, after: int, batch: int = CSV_BATCH,
              scope: ReadScope = EVERYTHING) -> tuple[bytes, int | None]:
    """One chunk of the incident's decision log as UTF-8 CSV: the byte-order mark and the header first (when
    ``after`` is 0), then the decisions numbered after ``after`` (at most ``batch``); and the ``after`` of the
    next chunk (None after the last)."""
    out = io.StringIO()
    writer = CsvWriter(out)
    if after == 0:
        out.write("\ufeff")
        writer.writerow(CSV_COLUMNS)
    items = incident_decision_records(incident.id, after=after, limit=batch, scope=scope)
    for item in items:
        writer.writerow(_csv_row(item))
    following = items[-1]["number"] if len(items) == batch else None
    return out.getvalue().encode("utf-8"), following


def decisions_csv_chunks(incident: Incident, *, batch: int = CSV_BATCH) -> Iterator[bytes]:
    """The incident's decision log as UTF-8 CSV chunks (byte-order mark first), ``batch`` decisions at a time
    (keyset by number), so memory stays flat however long the log is."""
    after: int | None = 0
    while after is not None:
        chunk, after = csv_batch(incident, after=after, batch=batch)
        yield chunk


def json_batch(incident: Incident, *, after: int, batch: int = CSV_BATCH,
               scope: ReadScope = EVERYTHING) -> tuple[bytes, int | None]:
    """One chunk of the incident's decisions as a JSON array (``[`` first, ``]`` last), like :func:`csv_batch`."""
    items = incident_decision_records(incident.id, after=after, limit=batch, scope=scope)
    following = items[-1]["number"] if len(items) == batch else None
    body = ",".join(fastjson.dumps(item).decode("utf-8") for item in items)
    text = ("[" if after == 0 else ("," if items else "")) + body + ("]" if following is None else "")
    return text.encode("utf-8"), following


def stream_incident_batches(incident_id: int,
                            batch_of: Callable[..., tuple[bytes, int | None]]) -> Iterator[bytes]:
    """A streamed response body of an incident's ``batch_of(incident, after=…)`` chunks (keyset: each returns
    its bytes and the next ``after``, None after the last), produced after the view has returned: each chunk
    in a short app context of its own, none held across a ``yield`` (so an unread body needs no clean-up).
    The cost lines are those in the scope of the request's reader, taken now (the chunks run outside it)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scope = ambient_scope()

    def generate() -> Iterator[bytes]:
        after: int | None = 0
        while after is not None:
            with app.app_context():
                incident = db.session.get(Incident, incident_id)
                if incident is None:
                    return
                chunk, after = batch_of(incident, after=after, scope=scope)
            yield chunk

    return generate()


def stream_decisions_csv(incident_id: int) -> Iterator[bytes]:
    """``decisions_csv_chunks`` streamed (see :func:`stream_incident_batches`)."""
    return stream_incident_batches(incident_id, csv_batch)


def stream_decisions_json(incident_id: int) -> Iterator[bytes]:
    """The incident's decisions as one JSON array, streamed ``CSV_BATCH`` decisions at a time."""
    return stream_incident_batches(incident_id, json_batch)

