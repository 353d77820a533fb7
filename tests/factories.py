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
    from lbs.consultation.facts import DecisionType
    from lbs.decisions.models import CostCategory, CostLine, CostStatus, Decision

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


def decisions_of(incident: Incident) -> list[Any]:
    """The incident's decisions by number (staff, decision maker and owner loaded)."""
    from sqlalchemy.orm import selectinload

    from lbs.decisions.models import Decision

    return list(db.session.scalars(
        select(Decision).where(Decision.incident_id == incident.id).order_by(Decision.number)
        .options(selectinload(Decision.staff), selectinload(Decision.decided_by), selectinload(Decision.owner))))


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
    from lbs.consultation.facts import DecisionType
    from lbs.decisions.models import Decision

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
    from lbs.decisions.models import CostCategory, CostLine

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
# --- after-incident review (issue 7) -----------------------------------------------------------------

def _person_named(name: str) -> Person:
    found = db.session.scalar(select(Person).where(Person.name == name))
    assert found is not None, name
    return found


def _party(key: str) -> Any:
    from lbs.consultation.models import Party

    found = db.session.scalar(select(Party).where(Party.key == key))
    assert found is not None, key
    return found


def review_decision_specs(started_at: datetime) -> list[dict[str, Any]]:
    """The default decisions of :func:`review_incident_with_decisions` (times relative to the start)."""
    h = timedelta(hours=1)
    return [
        # 1: cordon, by the acting chief of staff (a temporary deputy seat, see the factory)
        {"staff": "LBS-O", "by": "Fungerende stabschef, Midt- og Vestjyllands Politi", "type": "cordon",
         "title": "Afspærring af Herning midtby", "at": started_at + h, "owner": "Midt- og Vestjyllands Politi"},
        # 2: evacuation with municipal costs; the municipality's representative consulted
        {"staff": "LBS-S", "by": "Politidirektør", "type": "evacuation", "title": "Evakuering af 120 beboere",
         "at": started_at + 2 * h, "owner": "Midt- og Vestjyllands Politi",
         "consultations": ["657:repraesentant"],
         "costs": [{"bearer": "Herning Kommune", "category": "emergency_accommodation", "estimate": "100000.00",
                    "actual": "112500.50", "status": "disputed"},
                   {"bearer": "Herning Kommune", "category": "catering", "estimate": "50000.00"}]},
        # 3: urgent public warning, recorded 40 minutes late
        {"staff": "LBS-O", "by": "Politiinspektør (stabschef)", "type": "warning", "urgent": True,
         "title": "Varsling på radio", "at": started_at + 3 * h, "delay": timedelta(minutes=40),
         "owner": "Midt- og Vestjyllands Politi", "delay_reason": "Varslet først, logført bagefter"},
        # 4: amendment of 2 with its own costs (supersedes 2's lines)
        {"staff": "LBS-S", "by": "Vicepolitidirektør", "type": "evacuation", "title": "Evakuering udvidet",
         "at": started_at + 4 * h, "owner": "Midt- og Vestjyllands Politi", "amends": 2,
         "costs": [{"bearer": "Herning Kommune", "category": "emergency_accommodation", "estimate": "150000.00"},
                   {"bearer": "Region Midtjylland", "category": "evacuation_transport", "estimate": "25000.00",
                    "provisional": True}]},
    ]


def review_incident_with_decisions(
    title: str = "Skybrud i Herning (revision)",
    *,
    municipalities: tuple[str, ...] = ("657",),
    started_at: datetime | None = None,
    specs: list[dict[str, Any]] | None = None,
    activation: bool = True,
) -> Incident:
    """An incident with decisions (numbers 1..n, dummy 64-character hashes in a chain), consultations,
    cost lines, an activation and a temporary deputy assignment, inserted directly (no decision service)."""
    import hashlib

    from lbs.consultation.facts import DecisionType
    from lbs.consultation.models import Consultation, Mode, Outcome
    from lbs.decisions.models import CostCategory, CostLine, CostStatus, Decision
    from lbs.incidents.models import Activation, Readiness
    from lbs.staffs.models import Assignment

    start = started_at or utcnow() - timedelta(days=2)
    inc = incident(title, municipalities=municipalities, started_at=start, description="Demo: skybrud og oversvømmelse")
    chief_seat = db.session.scalar(select(Position).where(Position.title == "Stabschef (politiinspektør)"))
    assert chief_seat is not None
    acting = db.session.scalar(select(Person).where(
        Person.name == "Fungerende stabschef, Midt- og Vestjyllands Politi"))
    if acting is None:
        acting = person("Fungerende stabschef, Midt- og Vestjyllands Politi", job_title="Fungerende stabschef")
    db.session.add(Assignment(position=chief_seat, person=acting, rank=2, valid_from=start,
                              valid_to=start + timedelta(hours=90)))
    if activation:
        db.session.add(Activation(incident_id=inc.id, staff_id=staff("LBS-O").id, readiness=Readiness.ACTIVATED,
                                  active_from=start, active_until=start + timedelta(hours=5)))
        db.session.add(Activation(incident_id=inc.id, staff_id=staff("LBS-S").id, readiness=Readiness.ACTIVATED,
                                  active_from=start + timedelta(minutes=90), active_until=None))
    prev: str | None = None
    by_number: dict[int, Decision] = {}
    for number, spec in enumerate(specs if specs is not None else review_decision_specs(start), start=1):
        digest = hashlib.sha256(f"{inc.id}:{number}:{prev}".encode()).hexdigest()
        at: datetime = spec["at"]
        amended = by_number.get(spec["amends"]) if spec.get("amends") else None
        d = Decision(
            incident_id=inc.id, number=number, staff_id=staff(spec["staff"]).id, decided_at=at,
            recorded_at=at + spec.get("delay", timedelta(minutes=2)), decided_by_id=_person_named(spec["by"]).id,
            owner_id=organisation(spec["owner"]).id, type=DecisionType(spec["type"]), title=spec["title"],
            decision=spec.get("decision", spec["title"] + "."), rationale=spec.get("rationale", "Begrundelse."),
            urgent=spec.get("urgent", False), conditions=spec.get("conditions", {}),
            amends_id=amended.id if amended else None,
            amendment_reason="Flere beboere berørt" if amended else None, delay_reason=spec.get("delay_reason"),
            decided_by_off_roster=spec.get("off_roster", False), prev_hash=prev, hash=digest,
        )
        db.session.add(d)
        db.session.flush()
        by_number[number] = d
        prev = digest
        for key in spec.get("consultations", []):
            db.session.add(Consultation(decision_id=d.id, party_id=_party(key).id, consulted_at=at,
                                        mode=Mode.CONSULT, outcome=Outcome.AGREED, channel="telefon"))
        if spec.get("costs") and amended is not None:
            for line in db.session.scalars(select(CostLine).where(CostLine.decision_id == amended.id)):
                line.superseded_by_id = d.id
        for c in spec.get("costs", []):
            db.session.add(CostLine(
                decision_id=d.id, incident_id=inc.id, bearer_id=organisation(c["bearer"]).id,
                category=CostCategory(c["category"]), estimate_dkk=Decimal(c["estimate"]),
                actual_dkk=Decimal(c["actual"]) if c.get("actual") else None,
                status=CostStatus(c.get("status", "estimated")), provisional=c.get("provisional", False),
                description=c.get("description")))
        db.session.flush()
    inc.last_decision_number = len(by_number)
    db.session.flush()
    return inc


def fake_required_consultations(*, facts: Any) -> list[Any]:
    """Stand-in rules for review tests (the consultation graph is built on another branch): an evacuation
    requires the municipality's representative and kommunaldirektør; an urgent decision informs the staff."""
    from lbs.consultation.facts import Requirement

    required: list[Requirement] = []
    if facts.type == "evacuation":
        for code in facts.municipalities:
            rep, kd = _party(f"{code}:repraesentant"), _party(f"{code}:kommunaldirektoer")
            required.append(Requirement(rep.key, rep.name, rep.organisation_id, "consult", "R2"))
            required.append(Requirement(kd.key, kd.name, kd.organisation_id, "consult", "R2"))
    if facts.urgent:
        stab = _party("politi:stab")
        required.append(Requirement(stab.key, stab.name, stab.organisation_id, "inform", "R12", "next_meeting"))
    return sorted(required, key=lambda r: r.party_key)


def incident_compliance(*, incident_id: int, gaps_only: bool = False) -> list[Any]:
    """Every decision's compliance row of the incident, read a page at a time (as the CSV export reads them)."""
    from lbs.decisions.compliance import DecisionCompliance, compliance_page

    rows: list[DecisionCompliance] = []
    after: int | None = 0
    while after is not None:
        page = compliance_page(incident_id=incident_id, after=after, gaps_only=gaps_only, size=500)
        rows += page.rows
        after = page.next_after
    return rows


def attached_png(decision_id: int, name: str = "foto.png") -> int:
    """Attach a small PNG to the decision as ``politi`` (committed) and return the attachment's id."""
    import io

    from lbs.auth.models import User
    from lbs.decisions import attachments
    from lbs.decisions.models import Decision
    from tests.attachments import files

    politi = db.session.scalars(select(User).where(User.username == "politi")).one()
    decision = db.session.get(Decision, decision_id)
    assert decision is not None
    found = attachments.attach(decision=decision, upload=attachments.Upload(name, io.BytesIO(files.png())),
                               description=None, by=politi).id
    db.session.commit()
    return found
