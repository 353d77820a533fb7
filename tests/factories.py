"""Plain factory functions for tests (they only flush; the test's transaction is rolled back)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lbs.extensions import db
from lbs.incidents.models import Incident, IncidentKind
from lbs.organisations.models import Municipality, Organisation
from lbs.staffs.models import Person, Position, Staff
from lbs.timeutil import utcnow


def staff(code: str = "LBS-O") -> Staff:
    found = db.session.scalar(select(Staff).where(Staff.code == code))
    assert found is not None
    return found


def municipality(code: str = "657") -> Municipality:
    found = db.session.get(Municipality, code)
    assert found is not None
    return found


def organisation(name: str) -> Organisation:
    found = db.session.scalar(select(Organisation).where(Organisation.name == name))
    assert found is not None, name
    return found


def person(name: str = "Testperson", organisation_name: str = "Midt- og Vestjyllands Politi", **kw: Any) -> Person:
    p = Person(name=name, job_title=kw.pop("job_title", name), organisation=organisation(organisation_name), **kw)
    db.session.add(p)
    db.session.flush()
    return p


def position(title: str = "Testplads", staff_code: str = "LBS-O", **kw: Any) -> Position:
    pos = Position(staff=staff(staff_code), title=title,
                   organisation=kw.pop("organisation", None) or organisation("Midt- og Vestjyllands Politi"), **kw)
    db.session.add(pos)
    db.session.flush()
    return pos


def incident(
    title: str = "Testhændelse",
    *,
    municipalities: tuple[str, ...] = ("657",),
    started_at: datetime | None = None,
    kind: IncidentKind = IncidentKind.FLOOD,
    **kw: Any,
) -> Incident:
    inc = Incident(title=title, kind=kind, started_at=started_at or utcnow() - timedelta(hours=6), **kw)
    inc.municipalities = [municipality(code) for code in municipalities]
    db.session.add(inc)
    db.session.flush()
    return inc


def money(text: str) -> Decimal:
    return Decimal(text)


def decision_with_costs(
    incident: Incident,
    costs: list[dict[str, Any]] | None = None,
    number: int | None = None,
    *,
    decided_at: datetime | None = None,
    title: str = "Testbeslutning",
    **kw: Any,
) -> Any:
    """Insert a Decision row directly (dummy hash, next number) with its CostLine rows.

    Each cost is a dict with ``bearer`` (an Organisation, an organisation id or a municipality code),
    ``category`` (value or CostCategory), ``estimate`` (str/Decimal) and optional ``provisional``,
    ``description``, ``actual``, ``status``. Returns the decision; its lines are in ``decision.test_lines``.
    """
    from lbs.costs.models import CostCategory, CostLine, CostStatus
    from lbs.decisions.models import Decision, DecisionType

    if number is None:
        number = incident.last_decision_number + 1
    incident.last_decision_number = max(incident.last_decision_number, number)
    someone = db.session.scalar(select(Person).order_by(Person.id).limit(1))
    assert someone is not None
    when = decided_at or incident.started_at + timedelta(minutes=10 * number)
    d = Decision(
        incident_id=incident.id, number=number, staff_id=staff(kw.pop("staff_code", "LBS-O")).id,
        decided_at=when, recorded_at=when, decided_by_id=someone.id,
        owner_id=kw.pop("owner_id", None) or municipality("657").organisation_id,
        type=kw.pop("type", DecisionType.EVACUATION), title=title, decision=kw.pop("decision", title),
        rationale=kw.pop("rationale", "test"), hash=f"{number:064x}", prev_hash=None, **kw,
    )
    db.session.add(d)
    db.session.flush()
    lines = []
    for cost in costs or []:
        bearer = cost["bearer"]
        if isinstance(bearer, str):
            bearer_id = municipality(bearer).organisation_id
        elif isinstance(bearer, int):
            bearer_id = bearer
        else:
            bearer_id = bearer.id
        line = CostLine(
            decision_id=d.id, incident_id=incident.id, bearer_id=bearer_id,
            category=CostCategory(cost.get("category", "catering")),
            description=cost.get("description"), estimate_dkk=Decimal(str(cost.get("estimate", "0"))),
            provisional=cost.get("provisional", False),
            actual_dkk=None if cost.get("actual") is None else Decimal(str(cost["actual"])),
            status=CostStatus(cost.get("status", "estimated")),
        )
        db.session.add(line)
        lines.append(line)
    db.session.flush()
    d.test_lines = lines  # type: ignore[attr-defined]
    return d
# ---- consultation (issue 5)


def any_incident_id() -> int:
    """An existing incident (the demo's, once the decision log seeds one), or a new test incident."""
    from lbs.incidents.models import Incident as _Incident

    found = db.session.scalar(select(_Incident.id).order_by(_Incident.id).limit(1))
    return found if found is not None else incident("Matrixhændelse").id


def decision(
    inc: Incident,
    *,
    number: int,
    type: str = "evacuation",
    owner: Organisation | None = None,
    decided_at: datetime | None = None,
    staff_code: str = "LBS-S",
    **kw: Any,
) -> Any:
    """A decision row inserted directly (dummy hash; the decision log builds real ones)."""
    from lbs.decisions.models import Decision, DecisionType

    maker = person(f"Beslutningstager {number}")
    d = Decision(incident_id=inc.id, number=number, staff=staff(staff_code),
                 decided_at=decided_at or utcnow() - timedelta(minutes=30), recorded_at=utcnow(),
                 decided_by=maker, owner=owner or organisation("Midt- og Vestjyllands Politi"),
                 type=DecisionType(type), title=kw.pop("title", f"Beslutning {number}"), decision="…",
                 rationale="…", hash="0" * 64, **kw)
    db.session.add(d)
    db.session.flush()
    return d


def cost_line(dec: Any, *, bearer: Organisation, estimate: str, category: str = "emergency_accommodation",
              provisional: bool = False) -> Any:
    from lbs.costs.models import CostCategory, CostLine

    line = CostLine(decision_id=dec.id, incident_id=dec.incident_id, bearer=bearer, category=CostCategory(category),
                    estimate_dkk=Decimal(estimate), provisional=provisional)
    db.session.add(line)
    db.session.flush()
    return line


def consultation(dec: Any, party_key: str, *, mode: str = "consult", outcome: str = "agreed") -> Any:
    from lbs.consultation.models import Consultation, Mode, Outcome, Party

    party = db.session.scalar(select(Party).where(Party.key == party_key))
    assert party is not None, party_key
    row = Consultation(decision_id=dec.id, party=party, consulted_at=dec.decided_at, mode=Mode(mode),
                       outcome=Outcome(outcome))
    db.session.add(row)
    db.session.flush()
    return row
