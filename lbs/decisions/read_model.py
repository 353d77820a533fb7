"""Decisions in the API shape: read with plain Core statements, built by one function.

:func:`decision_json` builds the API dict of a decision from rows of one shape: a *decision row* (the
decision's own fields under their API names, times as ISO 8601 text, JSON columns decoded, and ``staff``,
``type``, ``decided_by_name``, ``owner_name``, ``amends``), its *cost rows* (:func:`cost_json`) and its
*consultation rows* (:func:`consultation_json`), these two as selected. The rows come either from the
database (:func:`decision_records`: the API list, one decision, the CSV and JSON exports) or from what the
log service has in hand for a decision just logged (:func:`logged_record`: the 201 body, no query), so both
say the same thing.

Why the reads are written this way: a page of up to 1 000 decisions is one statement per table (the
decisions, their cost lines, their consultations, the numbers amending them), the children looked up by the
page's ids given as values (:func:`lbs.database.among`). The statements select Core columns, not ORM
objects, and read columns as stored: enums as their text, money as integer øre, times as UTC text
(:func:`read_time`) and JSON columns as text (decoded by :func:`lbs.fastjson.loads`). SQLAlchemy's own
processing of each value (parsing SQLite's time text; the driver's parsing of a PostgreSQL ``timestamptz``
and its conversion to UTC; a JSON decoder in the driver and then SQLAlchemy's; ``Numeric`` to ``Decimal``)
costs more than the statements themselves. The figures are in ``docs/performance.md``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import BigInteger, ColumnElement, Select, String, Table, Text, and_, func, select, type_coerce
from sqlalchemy import cast as sql_cast
from sqlalchemy.types import TypeEngine

from lbs import fastjson
from lbs.consultation.judging import judge_all, unmet
from lbs.consultation.models import Consultation, Party
from lbs.database import among
from lbs.decisions import compliance
from lbs.decisions.attachment_models import Attachment
from lbs.decisions.log import Logged
from lbs.decisions.models import CostLine, Decision
from lbs.decisions.reads import cost_lines, decision_requirements
from lbs.decisions.scope import ReadScope, ambient_scope
from lbs.errors import NotFound
from lbs.extensions import db
from lbs.money import ore_str
from lbs.organisations.models import Organisation
from lbs.staffs.models import Person, Staff

decisions = cast(Table, Decision.__table__)
cost_lines_table = cast(Table, CostLine.__table__)
consultations = cast(Table, Consultation.__table__)
parties = cast(Table, Party.__table__)
attachments_table = cast(Table, Attachment.__table__)

# (API key, column) of the decision's own fields, in the order they go out.
DECISION_FIELDS = (
    *((name, name) for name in (
        "id", "incident_id", "number", "decided_at", "recorded_at", "decided_by_off_roster", "title", "decision",
        "information", "options", "rationale", "legal_basis", "expected_outcome", "urgent", "conditions",
        "amendment_reason", "delay_reason", "missing_reason", "required_consultations", "decided_by_job_title",
        "decided_by_seat", "hash", "prev_hash")),
    ("decided_by", "decided_by_id"), ("recorded_by", "recorded_by_id"), ("owner", "owner_id"),
)
TIME_FIELDS = ("decided_at", "recorded_at")
JSON_FIELDS = ("options", "conditions", "required_consultations")


# ---------------------------------------------------------------- columns as stored


def _as_stored(column: ColumnElement[Any], kind: TypeEngine[Any], name: str | None = None) -> ColumnElement[Any]:
    """The column as stored (an enum's text, money's øre), labelled with ``name`` or its own name."""
    return type_coerce(column, kind).label(name or column.key)


def _raw_time(column: ColumnElement[Any], name: str | None = None) -> ColumnElement[Any]:
    """A time column as text in UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``, for :func:`read_time`: on SQLite the stored
    text, on PostgreSQL written so by the server (cheaper than its own output of a ``timestamptz`` and the
    driver's parsing of that)."""
    if db.session.get_bind().dialect.name == "postgresql":
        utc = func.timezone("UTC", column)
        return type_coerce(func.to_char(utc, "YYYY-MM-DD HH24:MI:SS.US"), String()).label(name or column.key)
    return _as_stored(column, String(), name)


def read_time(value: str) -> str:
    """A time read as UTC text (:func:`_raw_time`) in ISO 8601, as ``datetime.isoformat`` writes it."""
    # SQLAlchemy's naive UTC text on SQLite and the server's to_char on PostgreSQL: "YYYY-MM-DD HH:MM:SS.ffffff"
    if len(value) == 26 and value[10] == " " and value[19] == ".":
        fraction = value[19:]
        return f"{value[:10]}T{value[11:19]}{'' if fraction == '.000000' else fraction}+00:00"
    parsed = datetime.fromisoformat(value)
    return (parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)).isoformat()


def _raw_json(column: ColumnElement[Any], name: str | None = None) -> ColumnElement[Any]:
    """A JSON column as its text (decoded with :func:`lbs.fastjson.loads`, not by the driver and SQLAlchemy)."""
    return sql_cast(column, Text).label(name or column.key)


def _selected(column: str, key: str) -> ColumnElement[Any]:
    """A decision column for the decision row: times and JSON read raw, the rest as SQLAlchemy reads it."""
    if column in TIME_FIELDS:
        return _raw_time(decisions.c[column], key)
    if column in JSON_FIELDS:
        return _raw_json(decisions.c[column], key)
    return decisions.c[column].label(key)


def _dicts(query: Select[Any]) -> list[dict[str, Any]]:
    """Rows as dicts keyed by the selected labels (Core, no ORM objects)."""
    result = db.session.connection().execute(query)
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


# ---------------------------------------------------------------- rows read from the database


def _decision_rows(condition: ColumnElement[bool], limit: int | None) -> list[dict[str, Any]]:
    """Decision rows (see the module's docstring) of the decisions matching ``condition``, by number."""
    staff, person, owner, amended = (cast(Table, Staff.__table__), cast(Table, Person.__table__),
                                     cast(Table, Organisation.__table__), decisions.alias("amended"))
    query = (
        select(*(_selected(column, key) for key, column in DECISION_FIELDS), staff.c.code.label("staff"),
               _as_stored(decisions.c.type, String()),
               # Recorded when logged; rows logged before that was stored show the person's name.
               func.coalesce(decisions.c.decided_by_name, person.c.name).label("decided_by_name"),
               owner.c.name.label("owner_name"), amended.c.number.label("amends"))
        .join(staff, staff.c.id == decisions.c.staff_id).join(person, person.c.id == decisions.c.decided_by_id)
        .join(owner, owner.c.id == decisions.c.owner_id).outerjoin(amended, amended.c.id == decisions.c.amends_id)
        .where(condition).order_by(decisions.c.number).limit(limit)
    )
    rows = _dicts(query)
    for row in rows:
        for key in TIME_FIELDS:
            row[key] = read_time(row[key])
        for key in JSON_FIELDS:
            if row[key] is not None:
                row[key] = fastjson.loads(row[key])
    return rows


def _costs(ids: list[int], scope: ReadScope) -> dict[int, list[dict[str, Any]]]:
    """The cost lines in ``scope`` of the decisions ``ids`` in the API shape, by decision id."""
    table = cost_lines_table
    query = (select(table.c.id, table.c.decision_id, table.c.bearer_id, _as_stored(table.c.category, String()),
                    table.c.description, _as_stored(table.c.estimate_dkk, BigInteger()),
                    _as_stored(table.c.actual_dkk, BigInteger()), _as_stored(table.c.status, String()),
                    table.c.provisional, table.c.superseded_by_id)
             .where(among(table.c.decision_id, ids), scope.lines(table.c.bearer_id)).order_by(table.c.id))
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in db.session.connection().execute(query).all():
        line = cost_json(row)
        result[line["decision_id"]].append(line)
    return result


def _consultations(ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The consultations of the decisions ``ids`` in the API shape, by decision id."""
    query = (select(consultations.c.decision_id, parties.c.key, parties.c.name, parties.c.organisation_id,
                    _raw_time(consultations.c.consulted_at), _as_stored(consultations.c.mode, String()),
                    _as_stored(consultations.c.outcome, String()), consultations.c.channel, consultations.c.note,
                    _raw_time(consultations.c.recorded_at), consultations.c.appended_seq)
             .join(parties, parties.c.id == consultations.c.party_id)
             .where(among(consultations.c.decision_id, ids))
             # Those logged with the decision first, then those appended, in the order they were appended.
             .order_by(consultations.c.appended_seq.is_not(None), consultations.c.appended_seq, consultations.c.id))
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in db.session.connection().execute(query).all():
        result[row[0]].append(consultation_json(row))
    return result


def _attachments(ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The attachments of the decisions ``ids`` (their metadata, not their bytes), oldest first, by decision id."""
    table = attachments_table
    query = (select(table.c.decision_id, table.c.id, table.c.filename, table.c.content_type, table.c.size,
                    table.c.sha256, table.c.description, _raw_time(table.c.uploaded_at), table.c.uploaded_by_id)
             .where(among(table.c.decision_id, ids)).order_by(table.c.seq))
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in db.session.connection().execute(query).all():
        result[row[0]].append(attachment_row_json(row))
    return result


def attachment_row_json(row: Sequence[Any]) -> dict[str, Any]:
    """An attachment as a decision lists it (as the attachments API shows it), from ``decision_id, id, filename,
    content_type, size, sha256, description, uploaded_at`` (UTC text, see :func:`read_time`), ``uploaded_by``."""
    decision_id, attachment_id, filename, content_type, size, sha256, description, uploaded_at, by = row
    return {"id": attachment_id, "decision_id": decision_id, "filename": filename, "content_type": content_type,
            "size": size, "sha256": sha256, "description": description, "uploaded_at": read_time(uploaded_at),
            "uploaded_by": by}


def _amending_numbers(ids: list[int]) -> dict[int, list[int]]:
    """The numbers of the decisions that amend the decisions ``ids``, by the amended decision's id."""
    result: dict[int, list[int]] = defaultdict(list)
    query = (select(decisions.c.amends_id, decisions.c.number).where(among(decisions.c.amends_id, ids))
             .order_by(decisions.c.number))
    for amends_id, number in db.session.connection().execute(query).all():
        result[amends_id].append(number)
    return result


def _computed_requirements(ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Requirement records of decisions logged before they were stored (NULL): computed as they are read."""
    result: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return result
    found = db.session.scalars(select(Decision).where(Decision.id.in_(ids))).all()
    lines = cost_lines(ids)
    amended = cost_lines(sorted({d.amends_id for d in found if d.amends_id is not None}))
    with compliance.batch():
        for d in found:
            amended_lines = amended.get(d.amends_id, []) if d.amends_id is not None else []
            required, _missing = decision_requirements(d, lines.get(d.id, []), [], amended_lines)
            result[d.id] = [r.record() for r in required]
    return result


# ---------------------------------------------------------------- the API dict


def cost_json(row: Sequence[Any]) -> dict[str, Any]:
    """A cost line in the API shape, from its cost row: ``id, decision_id, bearer_id, category, description,
    estimate_dkk, actual_dkk, status, provisional, superseded_by_id`` as stored (enums as text, amounts in øre)."""
    line_id, decision_id, bearer, category, description, estimate, actual, status, provisional, superseded_by = row
    return {
        "id": line_id, "decision_id": decision_id, "bearer": bearer, "category": category,
        "description": description, "estimate_dkk": ore_str(estimate), "actual_dkk": ore_str(actual),
        "status": status, "provisional": provisional, "superseded": superseded_by is not None,
    }


def consultation_json(row: Sequence[Any]) -> dict[str, Any]:
    """A consultation in the API shape, from its consultation row: ``decision_id``, the party's ``key, name,
    organisation_id``, then ``consulted_at`` (UTC text, see :func:`read_time`), ``mode, outcome, channel, note``,
    ``recorded_at`` (UTC text) and ``appended_seq`` (None for those logged with the decision)."""
    _decision_id, party, name, organisation_id, consulted_at, mode, outcome, channel, note, recorded_at, seq = row
    return {"party": party, "name": name, "organisation_id": organisation_id, "consulted_at": read_time(consulted_at),
            "mode": mode, "outcome": outcome, "channel": channel, "note": note,
            "recorded_at": read_time(recorded_at) if recorded_at is not None else None, "appended": seq is not None}


def decision_json(row: dict[str, Any], *, costs: list[dict[str, Any]], consultations: list[dict[str, Any]],
                  amended_by: list[int], attachments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A decision in the API shape: its decision row (see the module's docstring) completed with its cost lines,
    consultations, the number of the decision amending it (the first, were there several) and its required
    consultations, each judged over all its consultations (:mod:`lbs.consultation.judging`), with those not
    met. Each requirement carries, besides the contract's keys, its ``timing``, rule ``path`` and ``flag``.
    ``attachments``: its attachments' metadata (:func:`attachment_row_json`), oldest first."""
    row["amended_by"] = min(amended_by) if amended_by else None
    row["costs"] = costs
    row["consultations"] = consultations
    row["attachments"] = attachments if attachments is not None else []
    row["required_consultations"] = judge_all(row["required_consultations"], consultations)
    row["missing_consultations"] = unmet(row["required_consultations"])
    return row


def decision_records(condition: ColumnElement[bool], *, limit: int | None = None,
                     scope: ReadScope | None = None) -> list[dict[str, Any]]:
    """The decisions matching ``condition`` in the API shape, ordered by number (at most ``limit``), with the
    cost lines in ``scope`` (by default the request's reader's, :func:`lbs.decisions.scope.ambient_scope`)."""
    rows = _decision_rows(condition, limit)
    ids = [row["id"] for row in rows]
    scope = scope or ambient_scope()
    costs, consulted, amended_by = _costs(ids, scope), _consultations(ids), _amending_numbers(ids)
    attached = _attachments(ids)
    computed = _computed_requirements([row["id"] for row in rows if row["required_consultations"] is None])
    for row in rows:
        if row["required_consultations"] is None:
            row["required_consultations"] = computed[row["id"]]
        decision_json(row, costs=costs.get(row["id"], []), consultations=consulted.get(row["id"], []),
                      amended_by=amended_by.get(row["id"], []), attachments=attached.get(row["id"], []))
    return rows


def incident_decision_records(incident_id: int, *, after: int = 0, limit: int | None = None,
                              scope: ReadScope | None = None) -> list[dict[str, Any]]:
    """The incident's decisions numbered after ``after`` in the API shape (at most ``limit``)."""
    return decision_records(and_(decisions.c.incident_id == incident_id, decisions.c.number > after), limit=limit,
                            scope=scope)


def decision_record(decision_id: int, scope: ReadScope | None = None) -> dict[str, Any]:
    found = decision_records(decisions.c.id == decision_id, scope=scope)
    if not found:
        raise NotFound("no such decision")
    return found[0]


def logged_record(logged: Logged) -> dict[str, Any]:
    """A decision just logged in the API shape, built from the rows the log service has in hand (no query):
    the same as :func:`decision_record` reads back (nothing can amend it yet)."""
    decision, resolved = logged.decision, logged.resolved
    row = {key: getattr(decision, column) for key, column in DECISION_FIELDS}
    for key in TIME_FIELDS:
        row[key] = getattr(decision, key).isoformat()
    row.update(staff=resolved.staff.code, type=decision.type.value, decided_by_name=decision.decided_by_name,
               owner_name=resolved.owner.name, amends=logged.amends.number if logged.amends else None)
    costs = [cost_json((line.id, line.decision_id, line.bearer_id, line.category.value, line.description,
                        _as_ore(line.estimate_dkk), _as_ore(line.actual_dkk), line.status.value, line.provisional,
                        line.superseded_by_id)) for line in logged.lines]
    consulted = [consultation_json((decision.id, party.key, party.name, party.organisation_id,
                                    _as_utc_text(item.consulted_at), item.mode.value, item.outcome.value,
                                    item.channel, item.note, _as_utc_text(decision.recorded_at), None))
                 for item, party in ((item, resolved.parties[key]) for item, key in logged.consulted)]
    return decision_json(row, costs=costs, consultations=consulted, amended_by=[])


def _as_ore(amount: Decimal | None) -> int | None:
    """An amount as stored: integer øre (:class:`lbs.types.Money`)."""
    return None if amount is None else int(amount * 100)


def _as_utc_text(value: datetime) -> str:
    """A time as :func:`_raw_time` reads it: UTC text ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
