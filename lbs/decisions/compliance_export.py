"""The consultation compliance of an incident as CSV, streamed 500 decisions at a time."""

from __future__ import annotations

import io
from collections.abc import Iterator

from lbs.decisions.compliance import compliance_page
from lbs.decisions.export import stream_incident_batches
from lbs.decisions.scope import EVERYTHING, ReadScope
from lbs.incidents.models import Incident
from lbs.spreadsheet import CsvWriter

BATCH = 500
# ``status``: each required consultation's status (met, objected, no_answer, insufficient_form, missing);
# ``requested_via_lbs``: consultation requests asked in the application about the decision, ``unanswered``: of
# them still without an answer.
HEADER = ["number", "decided_at", "title", "type", "required", "done", "missing", "missing_reason", "status",
          "requested_via_lbs", "unanswered"]


def compliance_csv_batch(incident: Incident, *, after: int, batch: int = BATCH,
                         scope: ReadScope = EVERYTHING) -> tuple[bytes, int | None]:
    """The decisions numbered after ``after`` (at most ``batch``) as CSV rows (byte-order mark and header
    first), and the ``after`` of the next batch (None after the last). No cost line is in it, so every reader
    (``scope``) reads the same."""
    page = compliance_page(incident_id=incident.id, after=after, size=batch)
    out = io.StringIO()
    writer = CsvWriter(out)
    if after == 0:
        out.write("\ufeff")
        writer.writerow(HEADER)
    for row in page.rows:
        d = row.decision
        writer.writerow([
            d.number, d.decided_at.isoformat(), d.title, d.type.value,
            ", ".join(f"{r.party_key} ({r.mode}, {r.rule})" for r in row.required),
            ", ".join(f"{c.party.key} ({c.mode.value}, {c.outcome.value})" for c in row.done),
            ", ".join(r.party_key for r in row.missing), d.missing_reason,
            ", ".join(f"{j.requirement.party_key}: {j.status.value}" for j in row.judged),
            row.asked, row.unanswered,
        ])
    return out.getvalue().encode("utf-8"), page.next_after


def stream_compliance_csv(incident_id: int) -> Iterator[bytes]:
    """``compliance_csv_batch`` one batch after another, as a streamed response body."""
    return stream_incident_batches(incident_id, compliance_csv_batch)
