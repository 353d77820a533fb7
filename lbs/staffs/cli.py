"""``flask --app wsgi lbs import-roster FILE.csv``: load a police roster kept in a spreadsheet.

The whole file is validated first; if any row is wrong nothing is written and every bad row is listed.
Columns are documented in docs/rosters.md.
"""

from __future__ import annotations

import csv
import io
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click
from sqlalchemy import select

from lbs.commands import lbs_cli
from lbs.database import write_intent
from lbs.errors import DomainError, ValidationError
from lbs.extensions import db
from lbs.organisations.models import Organisation
from lbs.staffs import corrections, roster_import
from lbs.staffs.models import Person, Position, Staff
from lbs.timeutil import TimeError, localize_strict, parse_iso_aware
from lbs.validation import Fields

COLUMNS = ["staff", "position", "person", "job_title", "organisation", "email", "phone", "rank", "valid_from",
           "valid_to", "reason"]
REQUIRED = {"staff", "position", "person", "job_title", "organisation", "rank", "valid_from"}
MAX_ROWS = 100_000
WRITE_BATCH = 500  # rows written per transaction: the write lock is held this long at a time (~0.1 s)
WRITE_PAUSE = 0.02  # seconds between two batches: a writer waiting for the lock gets it (SQLite's busy wait polls)
LOCAL_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


@dataclass
class Row:
    number: int
    position: Position
    person_name: str
    job_title: str
    organisation: Organisation
    email: str | None
    phone: str | None
    rank: int
    valid_from: datetime
    valid_to: datetime | None
    reason: str | None = None


def parse_time(text: str) -> datetime:
    """ISO 8601 with offset, or a local (Europe/Copenhagen) wall-clock time; DST-ambiguous times are refused."""
    text = text.strip()
    try:
        return parse_iso_aware(text)
    except TimeError as exc:
        if "offset" not in str(exc):
            for fmt in LOCAL_FORMATS:
                try:
                    naive = datetime.strptime(text, fmt)
                except ValueError:
                    continue
                return localize_strict(naive)
            raise TimeError("not a time (use 2026-11-28 14:05 local time or ISO 8601 with offset)") from exc
        return localize_strict(datetime.fromisoformat(text))


def read_rows(data: bytes) -> tuple[list[dict[str, str]], list[int], list[str]]:
    """The rows as dicts (lower-case column names), their line numbers, and file-level errors."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [], ["the file is not UTF-8 text"]
    if "\x00" in text:
        return [], [], ["the file contains a NUL byte"]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") and ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], [], ["the file is empty"]
    except csv.Error as exc:
        return [], [], [f"unreadable CSV: {exc}"]
    missing = sorted(REQUIRED - set(header))
    unknown = sorted(set(header) - set(COLUMNS))
    errors = []
    if missing:
        errors.append("missing column(s): " + ", ".join(missing))
    if unknown:
        errors.append("unknown column(s): " + ", ".join(unknown))
    if len(set(header)) != len(header):
        errors.append("a column appears twice")
    if errors:
        return [], [], errors
    rows: list[dict[str, str]] = []
    numbers: list[int] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                return [], [], [f"more than {MAX_ROWS} rows"]
            if len(values) != len(header):
                rows.append({"__error__": f"has {len(values)} fields, the header has {len(header)}"})
            else:
                rows.append(dict(zip(header, (v.strip() for v in values), strict=True)))
            numbers.append(reader.line_num)
    except csv.Error as exc:
        return [], [], [f"unreadable CSV at line {reader.line_num}: {exc}"]
    if not rows:
        return [], [], ["the file has no rows"]
    return rows, numbers, []


def validate(rows: list[dict[str, str]], numbers: list[int]) -> tuple[list[Row], list[str]]:
    staffs = {s.code: s for s in db.session.scalars(select(Staff))}
    positions: dict[tuple[int, str], Position] = {
        (p.staff_id, p.title): p for p in db.session.scalars(select(Position))
    }
    organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
    people = {(p.name, p.organisation_id): p for p in db.session.scalars(select(Person))}
    good: list[Row] = []
    errors: list[str] = []
    for values, number in zip(rows, numbers, strict=True):
        reasons: list[str] = []
        if "__error__" in values:
            errors.append(f"row {number}: {values['__error__']}")
            continue
        fields = Fields({k: (v if v != "" else None) for k, v in values.items()})
        for name in ("staff", "position", "person", "job_title", "organisation"):
            fields.name(name)
        fields.name("email", required=False)
        fields.text("phone", required=False, max_len=40)
        fields.text("reason", required=False, max_len=corrections.MAX_REASON)
        reasons.extend(f"{k}: {'; '.join(v)}" for k, v in fields.errors.items())
        staff = staffs.get(values.get("staff", ""))
        if values.get("staff") and staff is None:
            reasons.append(f"staff: unknown staff {values['staff']!r}")
        position = positions.get((staff.id, values.get("position", ""))) if staff else None
        if staff and values.get("position") and position is None:
            reasons.append(f"position: no position {values['position']!r} in {staff.code}")
        organisation = organisations.get(values.get("organisation", ""))
        if values.get("organisation") and organisation is None:
            reasons.append(f"organisation: unknown organisation {values['organisation']!r}")
        rank_text = values.get("rank", "")
        rank = int(rank_text) if rank_text.isascii() and rank_text.isdigit() and len(rank_text) <= 4 else None
        if rank is None:
            reasons.append("rank: must be a whole number 0 (primary), 1, 2, … (deputies)")
        times: dict[str, datetime | None] = {"valid_from": None, "valid_to": None}
        for name in ("valid_from", "valid_to"):
            text = values.get(name, "")
            if not text:
                if name == "valid_from":
                    reasons.append("valid_from: is required")
                continue
            try:
                times[name] = parse_time(text)
            except TimeError as exc:
                reasons.append(f"{name}: {exc}")
        valid_from, valid_to = times["valid_from"], times["valid_to"]
        if valid_from and valid_to and valid_to <= valid_from:
            reasons.append("valid_to: must be after valid_from")
        if reasons:
            errors.append(f"row {number}: " + "; ".join(reasons))
            continue
        assert position is not None and organisation is not None and rank is not None and valid_from is not None
        good.append(Row(number, position, values["person"], values["job_title"], organisation,
                        values.get("email") or None, values.get("phone") or None, rank, valid_from, valid_to,
                        values.get("reason") or None))
    overlapping = _overlaps(good, people)
    errors.extend(overlapping + _corrections(good, overlapping))
    return good, errors


def _corrections(rows: list[Row], overlapping: list[str]) -> list[str]:
    """Rows (not already refused for an overlap) that start in the past over a logged decision of the staff
    without a reason (see :mod:`lbs.staffs.corrections`)."""
    refused = {e.split(":")[0] for e in overlapping}
    errors = []
    for row in rows:
        if f"row {row.number}" in refused:
            continue
        try:
            corrections.needed(staff_id=row.position.staff_id, start=row.valid_from, end=row.valid_to,
                               reason=row.reason)
        except ValidationError as exc:
            errors.append(f"row {row.number}: reason: {exc.message}")
    return errors


def _overlaps(rows: list[Row], people: dict[tuple[str, int], Person]) -> list[str]:
    """Rows that overlap an existing assignment or another row of the same position and rank, or in which
    a person would hold two ranks of one position at the same time (one sorted pass per seat)."""
    ids = {key: p.id for key, p in people.items()}
    return roster_import.overlap_errors(rows, roster_import.person_ids(rows, ids), roster_import.existing_of(rows))


@lbs_cli.command("import-roster")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def import_roster(path: Path) -> None:
    """Import assignments from a CSV file (columns: docs/rosters.md); all or nothing (but see docs/rosters.md
    on a roster changed by another writer during a long import)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        click.echo(f"error: cannot read {path}: {exc.strerror}", err=True)
        sys.exit(1)
    rows, numbers, problems = read_rows(data)
    if problems:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    # Validated in a read-only transaction, before the write lock is taken: web writes go on meanwhile.
    mark = roster_import.last_audit_id()
    good, errors = validate(rows, numbers)
    _refuse(errors, rollback=True)
    people = roster_import.known_people()
    _end_read()
    created = 0
    for start in range(0, len(good), WRITE_BATCH):
        batch = good[start:start + WRITE_BATCH]
        with write_intent():  # the lock is held for one batch at a time
            try:
                # What another writer did since: checked against this batch (one query and one pass).
                clashes = roster_import.overlap_errors(batch, roster_import.person_ids(batch, people),
                                                       roster_import.touched_since(mark, batch))
                if clashes:
                    db.session.rollback()
                    _stop_partway(clashes, imported=start, of=len(good), first=batch[0].number)
                created += roster_import.write(batch, people)
                mark = roster_import.last_audit_id()
            except DomainError as exc:
                db.session.rollback()
                _stop_partway([f"error: {exc.message}"], imported=start, of=len(good), first=batch[0].number)
            db.session.commit()
        time.sleep(WRITE_PAUSE)
    click.echo(f"imported {len(good)} assignment(s) from {path.name}; {created} new person(s)")


def _stop_partway(errors: list[str], *, imported: int, of: int, first: int) -> None:
    """A write made during the import clashes with a row not yet written: stop there and say so."""
    for error in errors:
        click.echo(error, err=True)
    done = f"the rows before row {first} ({imported} of {of}) were imported" if imported else "nothing was imported"
    click.echo(f"error: the roster changed during the import; {done}, from row {first} on nothing", err=True)
    sys.exit(1)


def _end_read() -> None:
    """End the validation's read-only transaction, keeping what it loaded (the next one takes the write lock)."""
    session = db.session()
    kept = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = kept


def _refuse(errors: list[str], *, rollback: bool = False) -> None:
    """List the bad rows and stop (nothing is written)."""
    if not errors:
        return
    if rollback:
        db.session.rollback()
    for error in errors:
        click.echo(error, err=True)
    click.echo(f"error: {len(errors)} bad row(s); nothing was imported", err=True)
    sys.exit(1)
