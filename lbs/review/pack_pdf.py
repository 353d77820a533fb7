"""The review report as PDF (A4, Danish, page numbers, table of contents), rendered by WeasyPrint.

WeasyPrint holds the whole layout of a document in memory (some 20 MB per thousand table rows) and lays out
about ten pages a second, so a long incident's report is rendered in parts: the report itself with the key
figures, the timeline, the decisions that need attention in detail, hearings, findings and sign-offs; and the
decision log of every decision as appendices of :data:`LOG_PART` decisions each, rendered one at a time while
the pack's other files are written, then joined page by page (pypdf). Up to :data:`LOG_INLINE` decisions the log
stays inside the report.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol, cast

from flask import current_app

from lbs.consultation.facts import DecisionType
from lbs.incidents.models import Incident
from lbs.review import signing, timeline
from lbs.review.labels import labels_context
from lbs.review.rows import DecisionReview
from lbs.review.whole import IncidentReview
from lbs.timeutil import utcnow

LOG_INLINE = 1000
LOG_PART = 1000
# Above this many decisions the PDF details only those that need attention (the decision log still lists every
# decision; the pack's JSON holds them all), and the timeline marks only those.
DETAIL_LIMIT = 50


@dataclass(frozen=True, slots=True)
class OverviewRow:
    """One line of the decision log: what the PDF's table shows of a decision."""

    number: int
    amends_number: int | None
    decided_at: datetime
    staff_code: str
    type: DecisionType
    title: str
    urgent: bool
    after_sign_off: bool
    decided_by_name: str
    delay_minutes: float
    missing: int

    @classmethod
    def of(cls, r: DecisionReview) -> OverviewRow:
        d = r.decision
        return cls(d.number, r.amends_number, d.decided_at, r.staff_code, d.type, d.title, d.urgent,
                   r.after_sign_off, r.decided_by_name, r.delay_minutes, len(r.missing))


def notable(r: DecisionReview, with_findings: set[int]) -> bool:
    """Whether a decision is detailed in a long incident's PDF: it needs an inquiry's attention."""
    return bool(r.missing or r.decision.urgent or r.amends_number is not None or r.amended_by or r.after_sign_off
                or r.late_unexplained or r.decision.decided_by_off_roster or r.has_appended
                or r.decision.number in with_findings or r.attachments)


def pdf_details(review: IncidentReview) -> tuple[list[DecisionReview], int]:
    """The decisions of a whole review detailed in the PDF, and how many are left out of the details."""
    if len(review.decisions) <= DETAIL_LIMIT:
        return list(review.decisions), 0
    with_findings = {f.decision_number for f in review.findings if f.decision_number is not None}
    detailed = [r for r in review.decisions if notable(r, with_findings)][:DETAIL_LIMIT]
    return detailed, len(review.decisions) - len(detailed)


def _html(template_name: str, **context: Any) -> bytes:
    from flask_babel import force_locale
    from weasyprint import HTML

    with force_locale("da"):
        # Rendered without the request's context processors: the PDF is also built by the worker and the CLI.
        html = current_app.jinja_env.get_template(template_name).render(**context, **labels_context())
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def render_report(review: IncidentReview, *, generated_at: datetime, detailed: Sequence[DecisionReview],
                  decision_total: int, overview: Sequence[OverviewRow] | None, log_parts: int = 0) -> bytes:
    """The report; ``overview`` None: the decision log follows as ``log_parts`` appendices."""
    marked = review.decisions if decision_total <= LOG_INLINE else list(detailed)
    chart = timeline.build(start=review.incident.started_at, end=review.incident.ended_at or generated_at,
                           activations=review.activations, decisions=list(marked))
    return _html("review/pdf.html", review=review, generated_at=generated_at, timeline=chart,
                 detailed=detailed, left_out=decision_total - len(detailed), decision_total=decision_total,
                 overview=overview, log_parts=log_parts, signing_key=signing.instance_public_key())


def render_log_part(incident: Incident, rows: Sequence[OverviewRow], *, part: int, parts: int) -> bytes:
    """One appendix of the decision log."""
    return _html("review/pdf_log.html", incident=incident, rows=rows, part=part, parts=parts)


def render_pdf(review: IncidentReview, *, generated_at: datetime | None = None) -> bytes:
    """The PDF of a review held whole in memory (a short incident; the pack's builder renders in parts)."""
    detailed, _left_out = pdf_details(review)
    rows = [OverviewRow.of(r) for r in review.decisions]
    if len(rows) <= LOG_INLINE:
        return render_report(review, generated_at=generated_at or utcnow(), detailed=detailed,
                             decision_total=len(rows), overview=rows)
    parts = [rows[i:i + LOG_PART] for i in range(0, len(rows), LOG_PART)]
    report = render_report(review, generated_at=generated_at or utcnow(), detailed=detailed,
                           decision_total=len(rows), overview=None, log_parts=len(parts))
    out = io.BytesIO()
    join([io.BytesIO(report), *(io.BytesIO(render_log_part(review.incident, p, part=i + 1, parts=len(parts)))
                                for i, p in enumerate(parts))], out)
    return out.getvalue()


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


def join(parts: Iterable[IO[bytes] | Path], out: Writable) -> None:
    """The parts' pages, in order, as one PDF."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(part)
    writer.write(cast(IO[Any], out))  # pypdf writes and asks tell(), nothing else
