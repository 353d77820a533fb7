"""Writing a review pack to a file with bounded memory, however long the incident.

The decisions are read a page (:data:`PAGE`) at a time; each page's rows go at once to the pack's files
(``decisions.json``, ``decisions.csv``, ``costs.csv``, ``consultations.csv``, ``rosters.json``,
``attachments.csv``), each written to a temporary file and hashed as it is written, and to the PDF's decision
log, rendered a part at a time (:mod:`lbs.review.pack_pdf`). Then every file is copied into the ZIP in chunks,
the attachments streamed from the database, and the signed manifest written last. What stays in memory is one
page of decisions, one part of the PDF's log, the decisions detailed in the PDF and the list of attachments.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from lbs.decisions import appended
from lbs.decisions.scope import EVERYTHING, ReadScope
from lbs.incidents.models import Incident
from lbs.review import hearings, integrity, pack_attachments, pack_files, pack_pdf, page
from lbs.review.hearings import hearing_review
from lbs.review.rows import DecisionReview
from lbs.review.whole import IncidentReview, list_activations
from lbs.spreadsheet import CsvWriter

PAGE = 500
COPY_CHUNK = 1 << 20
ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # fixed, so that the same content gives the same archive bytes
Progress = Callable[[int], None]  # the share done, 0–100


class _Hashed:
    """A binary file, hashed and counted as it is written (written in sequence, never read back): the ZIP's
    output, and each of the pack's files on disk."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._out.write(data)
        self._digest.update(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:  # the caller's file: ZipFile never closes a file it was given
        pass

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


class _Member(_Hashed):
    """One file of the pack, written to a temporary file of its own."""

    def __init__(self, folder: Path, name: str) -> None:
        self.name = name
        self.path = folder / name.replace("/", "_")
        super().__init__(self.path.open("wb"))

    def text(self, data: str) -> int:
        self.write(data.encode("utf-8"))
        return len(data)

    def close(self) -> None:
        self._out.close()


class _Text:
    """A text file over a member, for ``csv.writer``."""

    def __init__(self, member: _Member) -> None:
        self.write = member.text


def _csv(member: _Member, header: list[str]) -> CsvWriter:
    member.text("\ufeff")
    writer = CsvWriter(_Text(member))  # type: ignore[arg-type]
    writer.writerow(header)
    return writer


@dataclass
class _Open:
    """The files written while the decisions are read."""

    folder: Path
    members: dict[str, _Member] = field(default_factory=dict)

    def __getitem__(self, name: str) -> _Member:
        if name not in self.members:
            self.members[name] = _Member(self.folder, name)
        return self.members[name]


@dataclass(frozen=True)
class Written:
    sha256: str
    size: int
    decisions: int
    last_decision_number: int
    chain_head: str | None


def _json_item(first: bool, value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n    ")
    return ("\n    " if first else ",\n    ") + text


def write_pack(incident: Incident, out: IO[bytes], *, generated_at: datetime, scope: ReadScope = EVERYTHING,
               progress: Progress | None = None) -> Written:
    """Write the review pack of ``incident`` (the cost lines in ``scope``) to ``out`` as a signed ZIP."""
    report = progress or (lambda _share: None)
    summary = page.summary(incident, now=generated_at, scope=scope, store=False)  # a read only
    check = summary.integrity.live or integrity.check_chain(incident.id)  # checked once: small incidents by summary
    total = incident.last_decision_number
    with tempfile.TemporaryDirectory(prefix="lbs-pack-") as folder:
        files = _Open(Path(folder))
        decisions_json, rosters = files["decisions.json"], files["rosters.json"]
        decisions_json.text(json.dumps({"incident": pack_files.incident_json(incident, summary)},
                                       ensure_ascii=False, indent=2)[:-2] + ',\n  "decisions": [')
        rosters.text("[")
        csvs = {name: _csv(files[name], header) for name, header in pack_files.CSV_HEADERS.items()}
        with_findings = {f.decision_number for f in summary.findings if f.decision_number is not None}
        detailed: list[DecisionReview] = []
        marked: list[DecisionReview] = []
        log: list[pack_pdf.OverviewRow] = []
        log_parts: list[Path] = []
        attachments: list[tuple[int, Any]] = []
        count, last_number, after = 0, 0, 0
        inline = total <= pack_pdf.LOG_INLINE
        while True:
            rows = page.decision_page(incident, after=after, limit=PAGE, summary=summary, scope=scope).rows
            rows = [r for r in rows if r.decision.number > after]
            if not rows:
                break
            for r in rows:
                decisions_json.text(_json_item(count == 0, pack_files.decision_json(r)))
                rosters.text(_json_item(count == 0, pack_files.roster_json(r)))
                for name, writer in csvs.items():
                    for row in pack_files.CSV_ROWS[name](r):
                        writer.writerow(row)
                attachments += [(r.decision.number, a) for a in r.attachments]
                if (total <= pack_pdf.DETAIL_LIMIT or pack_pdf.notable(r, with_findings)) \
                        and len(detailed) < pack_pdf.DETAIL_LIMIT:
                    detailed.append(r)
                if inline:
                    marked.append(r)
                log.append(pack_pdf.OverviewRow.of(r))
                count, last_number = count + 1, r.decision.number
            after = last_number
            if not inline and len(log) >= pack_pdf.LOG_PART:
                log_parts.append(_log_part(Path(folder), log[:pack_pdf.LOG_PART], len(log_parts) + 1, total,
                                           incident))
                log = log[pack_pdf.LOG_PART:]
            report(min(80, 80 * count // max(total, 1)))
        if not inline and log:
            log_parts.append(_log_part(Path(folder), log, len(log_parts) + 1, total, incident))
        decisions_json.text(("\n  " if count else "") + '],\n  "appended_consultations": '
                            + json.dumps(appended.chain_records(incident.id), ensure_ascii=False, indent=2)
                            .replace("\n", "\n  ") + "\n}")
        rosters.text(("\n" if count else "") + "]")
        hearing = hearing_review(incident.id, now=generated_at)
        files["consultation_requests.csv"].write(
            pack_files.csv_bytes(hearings.CSV_HEADER, hearings.csv_rows(hearing)))
        review = IncidentReview(
            incident=incident, municipalities=summary.municipalities, figures=summary.figures, decisions=marked,
            activations=list_activations(incident.id), findings=summary.findings, sign_offs=summary.sign_offs,
            integrity=check, chain_head=summary.chain_head, history=summary.history, hearing=hearing,
            costs_of=scope.municipality_code, scope=scope)
        files["findings.csv"].write(pack_files.findings_csv(summary.findings))
        report(85)
        _write_pdf(files["review.pdf"], review, generated_at=generated_at, detailed=detailed, total=count,
                   overview=log if inline else None, log_parts=log_parts)
        report(90)
        for member in files.members.values():
            member.close()
        digest = _Hashed(out)
        with zipfile.ZipFile(digest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in pack_files.PACK_FILES:
                _copy_in(archive, files.members[name])
            streamed = pack_attachments.write_numbered(archive, attachments, ZIP_TIME)
            listed = [(m.name, m.hexdigest(), m.size) for m in (files.members[n] for n in pack_files.PACK_FILES)]
            pack_files.write_signed_manifest(archive, pack_files.manifest(
                listed + [(w.name, w.sha256, w.size) for w in streamed], incident=incident,
                generated_at=generated_at, chain_head=summary.chain_head, decisions=count,
                costs_of=scope.municipality_code), ZIP_TIME)
        report(99)
        return Written(digest.hexdigest(), digest.size, count, last_number, summary.chain_head)


def _log_part(folder: Path, rows: list[pack_pdf.OverviewRow], part: int, total: int, incident: Incident) -> Path:
    parts = -(-total // pack_pdf.LOG_PART)
    path = folder / f"log-{part:04d}.pdf"
    path.write_bytes(pack_pdf.render_log_part(incident, rows, part=part, parts=parts))
    return path


def _write_pdf(member: _Member, review: IncidentReview, *, generated_at: datetime, detailed: list[DecisionReview],
               total: int, overview: list[pack_pdf.OverviewRow] | None, log_parts: list[Path]) -> None:
    main = pack_pdf.render_report(review, generated_at=generated_at, detailed=detailed, decision_total=total,
                                  overview=overview, log_parts=len(log_parts))
    if not log_parts:
        member.write(main)
        return
    main_path = member.path.with_suffix(".main.pdf")
    main_path.write_bytes(main)
    del main
    pack_pdf.join([main_path, *log_parts], member)


def _copy_in(archive: zipfile.ZipFile, member: _Member) -> None:
    info = zipfile.ZipInfo(member.name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    with member.path.open("rb") as source, archive.open(info, "w", force_zip64=member.size > 2**31) as target:
        shutil.copyfileobj(source, target, COPY_CHUNK)
