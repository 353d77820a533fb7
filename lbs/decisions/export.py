"""Decisions as JSON (the API shape) and the decision log as CSV (Danish Excel: UTF-8 BOM, ``;``)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, cast

from flask import current_app
from sqlalchemy import BigInteger, ColumnElement, Select, String, Table, Text, and_, func, select, type_coerce
from sqlalchemy import cast as sql_cast
from sqlalchemy.types import TypeEngine

from lbs import fastjson
from lbs.consultation.models import Consultation, Party
from lbs.database import among
from lbs.decisions import compliance, services
from lbs.decisions.models import CostLine, Decision
from lbs.errors import NotFound
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.money import money_str, ore_str
from lbs.organisations.models import Organisation
from lbs.spreadsheet import neutralise
from lbs.staffs.models import Person, Staff


def cost_json(line: CostLine) -> dict[str, Any]:
    return {
        "id": line.id, "decision_id": line.decision_id, "bearer": line.bearer_id, "category": line.category.value,
        "description": line.description, "estimate_dkk": money_str(line.estimate_dkk),
        "actual_dkk": money_str(line.actual_dkk), "status": line.status.value, "provisional": line.provisional,
        "superseded": line.superseded_by_id is not None,
    }


# The API shape is built from plain Core rows (no ORM objects, enums and money read raw): a list of 1 000
# decisions is one query per table, and the stored requirement records go out as they are.
_D = cast(Table, Decision.__table__)
_C = cast(Table, CostLine.__table__)
_K = cast(Table, Consultation.__table__)
_P = cast(Table, Party.__table__)
# (API key, column) of the decision's own fields that go out as stored.
_FIELDS = (
    *((name, name) for name in (
        "id", "incident_id", "number", "decided_at", "recorded_at", "decided_by_off_roster", "title", "decision",
        "information", "options", "rationale", "legal_basis", "expected_outcome", "urgent", "conditions",
        "amendment_reason", "delay_reason", "missing_reason", "required_consultations", "hash", "prev_hash")),
    ("decided_by", "decided_by_id"), ("recorded_by", "recorded_by_id"), ("owner", "owner_id"),
)
_JSON_FIELDS = ("options", "conditions", "required_consultations")


def _raw(column: ColumnElement[Any], kind: TypeEngine[Any], name: str | None = None) -> ColumnElement[Any]:
    """The column as stored (an enum's text, money's øre), labelled with ``name`` or its own name."""
    return type_coerce(column, kind).label(name or column.key)


def read_time(value: str) -> str:
    """A time read as UTC text (:func:`_raw_time`) in ISO 8601, as ``datetime.isoformat`` writes it."""
    # SQLAlchemy's naive UTC text on SQLite and the server's to_char on PostgreSQL: "YYYY-MM-DD HH:MM:SS.ffffff"
    if len(value) == 26 and value[10] == " " and value[19] == ".":
        fraction = value[19:]
        return f"{value[:10]}T{value[11:19]}{'' if fraction == '.000000' else fraction}+00:00"
    parsed = datetime.fromisoformat(value)
    return (parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)).isoformat()


def _raw_time(column: ColumnElement[Any], name: str | None = None) -> ColumnElement[Any]:
    """A time column as text in UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``, for :func:`read_time`: on SQLite the stored
    text, on PostgreSQL written so by the server (cheaper than its own output of a ``timestamptz`` and the
    driver's parsing of that)."""
    if db.session.get_bind().dialect.name == "postgresql":
        utc = func.timezone("UTC", column)
        return type_coerce(func.to_char(utc, "YYYY-MM-DD HH24:MI:SS.US"), String()).label(name or column.key)
    return _raw(column, String(), name)


def _raw_json(column: ColumnElement[Any], name: str | None = None) -> ColumnElement[Any]:
    """A JSON column as its text (decoded with :func:`lbs.fastjson.loads`, not by the driver and SQLAlchemy)."""
    return sql_cast(column, Text).label(name or column.key)


# Times and JSON columns read raw: SQLAlchemy's processing of a time (SQLite: parsing its text; PostgreSQL: the
# driver's parsing of a timestamptz, then the conversion to UTC) and of a JSON column (a decoder in the driver, then
# SQLAlchemy's) is slower than read_time and orjson: a page of 1 000 decisions went from 28 to 23 ms in process on
# SQLite, 35 to 25 ms on PostgreSQL.
_READ_AS = {"decided_at": _raw_time, "recorded_at": _raw_time, **dict.fromkeys(_JSON_FIELDS, _raw_json)}


def _dicts(query: Select[Any]) -> list[dict[str, Any]]:
    """Rows as dicts keyed by the selected labels (Core, no ORM objects)."""
    result = db.session.connection().execute(query)
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def _children(ids: list[int]) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]],
                                        dict[int, list[int]]]:
    """Cost lines, consultations and amending decision numbers of the decisions ``ids``, by decision id (the ids
    as values, :func:`lbs.database.among`, not the subquery that selected them)."""
    costs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    consulted: dict[int, list[dict[str, Any]]] = defaultdict(list)
    amended_by: dict[int, list[int]] = defaultdict(list)
    run = db.session.connection().execute
    for (line_id, decision_id, bearer, category, description, estimate, actual, status, provisional,
         superseded_by) in run(select(_C.c.id, _C.c.decision_id, _C.c.bearer_id, _raw(_C.c.category, String()),
                                      _C.c.description, _raw(_C.c.estimate_dkk, BigInteger()),
                                      _raw(_C.c.actual_dkk, BigInteger()), _raw(_C.c.status, String()),
                                      _C.c.provisional, _C.c.superseded_by_id)
                               .where(among(_C.c.decision_id, ids)).order_by(_C.c.id)).all():
        costs[decision_id].append({
            "id": line_id, "decision_id": decision_id, "bearer": bearer, "category": category,
            "description": description, "estimate_dkk": ore_str(estimate), "actual_dkk": ore_str(actual),
            "status": status, "provisional": provisional, "superseded": superseded_by is not None})
    for (decision_id, party, name, organisation_id, consulted_at, mode, outcome, channel,
         note) in run(select(_K.c.decision_id, _P.c.key, _P.c.name, _P.c.organisation_id,
                             _raw_time(_K.c.consulted_at), _raw(_K.c.mode, String()), _raw(_K.c.outcome, String()),
                             _K.c.channel, _K.c.note).join(_P, _P.c.id == _K.c.party_id)
                      .where(among(_K.c.decision_id, ids)).order_by(_K.c.id)).all():
        consulted[decision_id].append({
            "party": party, "name": name, "organisation_id": organisation_id,
            "consulted_at": read_time(consulted_at), "mode": mode, "outcome": outcome, "channel": channel,
            "note": note})
    for amends_id, number in run(
            select(_D.c.amends_id, _D.c.number).where(among(_D.c.amends_id, ids)).order_by(_D.c.number)).all():
        amended_by[amends_id].append(number)
    return costs, consulted, amended_by


def _computed_requirements(ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Requirement records of decisions logged before they were stored (NULL): computed as they are read."""
    result: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return result
    decisions = db.session.scalars(select(Decision).where(Decision.id.in_(ids))).all()
    lines = services.cost_lines(ids)
    amended = services.cost_lines(sorted({d.amends_id for d in decisions if d.amends_id is not None}))
    with compliance.batch():
        for d in decisions:
            amended_lines = amended.get(d.amends_id, []) if d.amends_id is not None else []
            required, _missing = services.decision_requirements(d, lines.get(d.id, []), [], amended_lines)
            result[d.id] = [r.record() for r in required]
    return result


def decision_records(condition: ColumnElement[bool], *, limit: int | None = None) -> list[dict[str, Any]]:
    """The decisions matching ``condition`` in the API shape, ordered by number (at most ``limit``).
    Each requirement carries, besides the contract's keys, its ``timing``, rule ``path`` and ``flag``."""
    staff, person, owner, amended = (cast(Table, Staff.__table__), cast(Table, Person.__table__),
                                     cast(Table, Organisation.__table__), _D.alias("amended"))
    query = (
        select(*(_READ_AS[column](_D.c[column], key) if column in _READ_AS else _D.c[column].label(key)
                 for key, column in _FIELDS), staff.c.code.label("staff"),
               _raw(_D.c.type, String()), person.c.name.label("decided_by_name"),
               owner.c.name.label("owner_name"), amended.c.number.label("amends"))
        .join(staff, staff.c.id == _D.c.staff_id).join(person, person.c.id == _D.c.decided_by_id)
        .join(owner, owner.c.id == _D.c.owner_id).outerjoin(amended, amended.c.id == _D.c.amends_id)
        .where(condition).order_by(_D.c.number).limit(limit)
    )
    items = _dicts(query)
    costs, consulted, amended_by = _children([d["id"] for d in items])
    computed = _computed_requirements([d["id"] for d in items if d["required_consultations"] is None])
    for d in items:
        d["decided_at"], d["recorded_at"] = read_time(d["decided_at"]), read_time(d["recorded_at"])
        for key in _JSON_FIELDS:
            if d[key] is not None:
                d[key] = fastjson.loads(d[key])
        if d["required_consultations"] is None:
            d["required_consultations"] = computed[d["id"]]
        _complete(d, costs.get(d["id"], []), consulted.get(d["id"], []), amended_by.get(d["id"], []))
    return items


def _complete(d: dict[str, Any], costs: list[dict[str, Any]], consulted: list[dict[str, Any]],
              amended_by: list[int]) -> None:
    done_keys = {c["party"] for c in consulted}
    d["amended_by"] = amended_by
    d["costs"] = costs
    d["consultations"] = consulted
    d["missing_consultations"] = [r for r in d["required_consultations"] if r["party"] not in done_keys]


def logged_record(logged: services.Logged) -> dict[str, Any]:
    """A decision just logged in the API shape, from what the log service has in hand (no query): the same
    as :func:`decision_record` reads back (nothing can amend it yet)."""
    decision, resolved = logged.decision, logged.resolved
    d = {key: getattr(decision, column) for key, column in _FIELDS}
    d["decided_at"], d["recorded_at"] = decision.decided_at.isoformat(), decision.recorded_at.isoformat()
    d.update(staff=resolved.staff.code, type=decision.type.value, decided_by_name=resolved.person.name,
             owner_name=resolved.owner.name, amends=logged.amends.number if logged.amends else None)
    consulted = [(item, resolved.parties[key]) for item, key in logged.consulted]
    _complete(d, [cost_json(line) for line in logged.lines], [
        {"party": party.key, "name": party.name, "organisation_id": party.organisation_id,
         "consulted_at": item.consulted_at.isoformat(), "mode": item.mode.value, "outcome": item.outcome.value,
         "channel": item.channel, "note": item.note} for item, party in consulted], [])
    return d


def incident_decision_records(incident_id: int, *, after: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
    return decision_records(and_(_D.c.incident_id == incident_id, _D.c.number > after), limit=limit)


def decision_record(decision_id: int) -> dict[str, Any]:
    found = decision_records(_D.c.id == decision_id)
    if not found:
        raise NotFound("no such decision")
    return found[0]


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
    """Text for a spreadsheet cell (see :func:`lbs.spreadsheet.neutralise`)."""
    return str(neutralise("" if value is None else str(value)))


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
    items = incident_decision_records(incident.id, after=after, limit=batch)
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


def json_batch(incident: Incident, *, after: int, batch: int = CSV_BATCH) -> tuple[bytes, int | None]:
    """One chunk of the incident's decisions as a JSON array (``[`` first, ``]`` last), like :func:`csv_batch`."""
    items = incident_decision_records(incident.id, after=after, limit=batch)
    following = items[-1]["number"] if len(items) == batch else None
    body = ",".join(fastjson.dumps(item).decode("utf-8") for item in items)
    text = ("[" if after == 0 else ("," if items else "")) + body + ("]" if following is None else "")
    return text.encode("utf-8"), following


def stream_incident_batches(incident_id: int,
                            batch_of: Callable[..., tuple[bytes, int | None]]) -> Iterator[bytes]:
    """A streamed response body of an incident's ``batch_of(incident, after=…)`` chunks (keyset: each returns
    its bytes and the next ``after``, None after the last), produced after the view has returned: each chunk
    in a short app context of its own, none held across a ``yield`` (so an unread body needs no clean-up)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def generate() -> Iterator[bytes]:
        after: int | None = 0
        while after is not None:
            with app.app_context():
                incident = db.session.get(Incident, incident_id)
                if incident is None:
                    return
                chunk, after = batch_of(incident, after=after)
            yield chunk

    return generate()


def stream_decisions_csv(incident_id: int) -> Iterator[bytes]:
    """``decisions_csv_chunks`` streamed (see :func:`stream_incident_batches`)."""
    return stream_incident_batches(incident_id, csv_batch)


def stream_decisions_json(incident_id: int) -> Iterator[bytes]:
    """The incident's decisions as one JSON array, streamed ``CSV_BATCH`` decisions at a time."""
    return stream_incident_batches(incident_id, json_batch)


def decisions_csv(incident: Incident) -> str:
    """The incident's decision log as CSV text, starting with a byte-order mark."""
    return b"".join(decisions_csv_chunks(incident)).decode("utf-8")
