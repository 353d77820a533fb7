"""After-incident review: key figures, roster as of each decision, findings, sign-off, search, pages."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select, update

from lbs.auth.models import User
from lbs.decisions import compliance
from lbs.decisions.models import Decision
from lbs.errors import Forbidden, NotFound, ValidationError
from lbs.extensions import db
from lbs.review import integrity
from lbs.review.access import get_incident_for, may_read_incident
from lbs.review.findings import add_finding, list_findings
from lbs.review.models import Finding, SignOff
from lbs.review.search import SearchFilter, search
from lbs.review.signoff import sign_off
from lbs.review.whole import incident_review
from lbs.timeutil import utcnow
from tests import factories
from tests.review.packs import built_pack


def user(username: str) -> User:
    found = db.session.scalar(select(User).where(User.username == username))
    assert found is not None
    return found


@pytest.fixture
def rules(monkeypatch):
    monkeypatch.setattr(compliance, "required_consultations", factories.fake_required_consultations)


@pytest.fixture
def unchecked(monkeypatch):
    """The decision log's verifier lives on another branch: stand in a result."""
    monkeypatch.setattr(integrity, "check_chain",
                        lambda incident_id: integrity.IntegrityResult(True, True, 4, None))


@pytest.fixture
def review_incident(app, rules, unchecked):
    return factories.review_incident_with_decisions()


def test_key_figures(review_incident):
    review = incident_review(review_incident)
    f = review.figures
    assert f.decisions == 4
    assert f.per_staff == {"LBS-O": 2, "LBS-S": 2}
    assert f.per_type == {"cordon": 1, "evacuation": 2, "warning": 1}
    assert f.urgent == 1
    assert f.amendments == 1
    # decision 2: kommunaldirektør missing; 4: both evacuation parties missing; 3: the whole staff missing
    assert f.consultations_missing == 4
    assert f.decisions_with_missing == 3
    assert f.delayed == 1
    assert f.duration >= timedelta(days=2) - timedelta(minutes=1)
    # superseded lines of decision 2 are out; decision 4's lines count
    by_bearer = {c.bearer_name: c for c in f.costs}
    assert by_bearer["Herning Kommune"].estimate_dkk == Decimal("150000.00")
    assert by_bearer["Herning Kommune"].actual_dkk == Decimal("0.00")
    assert by_bearer["Herning Kommune"].difference_dkk is None  # no actual amount yet
    assert by_bearer["Region Midtjylland"].estimate_dkk == Decimal("25000.00")
    assert by_bearer["Region Midtjylland"].provisional == 1
    assert f.estimate_total == Decimal("175000.00")
    assert isinstance(f.estimate_total, Decimal)


def test_disputed_costs_and_actuals_when_not_superseded(app, rules, unchecked):
    specs = factories.review_decision_specs(utcnow() - timedelta(days=1))[:2]
    inc = factories.review_incident_with_decisions(specs=specs)
    costs = incident_review(inc).figures.costs
    assert len(costs) == 1
    herning = costs[0]
    assert (herning.estimate_dkk, herning.actual_dkk, herning.disputed) == (
        Decimal("150000.00"), Decimal("112500.50"), 1)
    assert herning.lines == 2 and herning.lines_with_actual == 1
    # the actual is compared with the estimate of the same line only
    assert herning.difference_dkk == Decimal("12500.50")
    assert incident_review(factories.review_incident_with_decisions(specs=[])).figures.difference_total is None


def test_rows_required_done_missing_delay_amendments(review_incident):
    rows = incident_review(review_incident).decisions
    two = rows[1]
    assert [q.party_key for q in two.required] == ["657:kommunaldirektoer", "657:repraesentant"]
    assert [c.party_key for c in two.done] == ["657:repraesentant"]
    assert [q.party_key for q in two.missing] == ["657:kommunaldirektoer"]
    assert two.amended_by == [4]
    assert rows[3].amends_number == 2
    assert rows[2].delay_minutes == 40.0 and rows[2].delay_needs_reason
    assert rows[0].delay_minutes == 2.0 and not rows[0].delay_needs_reason
    # superseded lines stay visible on decision 2
    assert all(line.superseded_by_id == rows[3].decision.id for line in two.costs)


def test_roster_as_of_each_decision(app, rules, unchecked):
    now = utcnow()
    start = now - timedelta(days=20)
    specs = [
        # the logkeeper seat changed hands 14 days ago (demo data): A held it then, B holds it now
        {"staff": "LBS-O", "by": "Logfører A, Midt- og Vestjyllands Politi", "type": "other", "title": "Log 1",
         "at": start + timedelta(days=1), "owner": "Midt- og Vestjyllands Politi"},
        {"staff": "LBS-O", "by": "Logfører B, Midt- og Vestjyllands Politi", "type": "other", "title": "Log 2",
         "at": now - timedelta(days=1), "owner": "Midt- og Vestjyllands Politi"},
        # the acting chief of staff holds a temporary deputy seat (rank 2) for 90 hours from the start
        {"staff": "LBS-O", "by": "Fungerende stabschef, Midt- og Vestjyllands Politi", "type": "cordon",
         "title": "Afspærring", "at": start + timedelta(hours=2), "owner": "Midt- og Vestjyllands Politi"},
        {"staff": "LBS-O", "by": "Fungerende stabschef, Midt- og Vestjyllands Politi", "type": "cordon",
         "title": "Afspærring igen", "at": start + timedelta(days=5), "owner": "Midt- og Vestjyllands Politi"},
        {"staff": "LBS-S", "by": "Vicepolitidirektør", "type": "evacuation", "title": "Evakuering",
         "at": start + timedelta(days=2), "owner": "Midt- og Vestjyllands Politi"},
    ]
    inc = factories.review_incident_with_decisions(started_at=start, specs=specs)
    rows = incident_review(inc).decisions

    def maker(row):
        return next(s for s in row.roster if s.role == "decision_maker")

    first, second = maker(rows[0]), maker(rows[1])
    assert first.position_title == "Logfører"
    assert [h.name for h in first.holders] == ["Logfører A, Midt- og Vestjyllands Politi",
                                               "Logfører C, Midt- og Vestjyllands Politi"]
    assert second.holders[0].name == "Logfører B, Midt- og Vestjyllands Politi"
    assert not first.deputy_acting and not second.deputy_acting

    acting = maker(rows[2])
    assert acting.position_title == "Stabschef (politiinspektør)" and acting.deputy_acting
    assert [h.rank for h in acting.holders] == [0, 1, 2]
    # after the temporary seat ended, the same person held no seat: shown off the roster
    assert maker(rows[3]).position_title is None and maker(rows[3]).holders == ()

    evacuation = rows[4]
    assert maker(evacuation).deputy_acting and maker(evacuation).position_title == "Politidirektør (formand)"
    parties = {s.party_key: s for s in evacuation.roster if s.role == "party"}
    # Herning's representative is the crisis staff contact seat (LBS-O), the kommunaldirektør an LBS-S seat
    assert [h.name for h in parties["657:repraesentant"].holders] == ["Beredskabskoordinator, Herning Kommune"]
    assert parties["657:kommunaldirektoer"].acting.name == "Kommunaldirektør, Herning Kommune"
    assert not parties["657:kommunaldirektoer"].deputy_acting


def test_review_queries_do_not_grow_with_decisions(app, rules, unchecked):
    def count_queries(n: int) -> int:
        start = utcnow() - timedelta(days=3)
        specs = [{"staff": "LBS-S", "by": "Politidirektør", "type": "evacuation", "title": f"E{i}",
                  "at": start + timedelta(minutes=10 * i), "owner": "Herning Kommune",
                  "consultations": ["657:repraesentant"],
                  "costs": [{"bearer": "Herning Kommune", "category": "catering", "estimate": "1000"}]}
                 for i in range(n)]
        inc = factories.review_incident_with_decisions(specs=specs)
        db.session.expire_all()
        inc = db.session.get(type(inc), inc.id)
        statements: list[str] = []

        def listen(conn, cursor, statement, *args):
            if not re.search(r'consultation_parties\."?key"? =', statement):  # the fake rules' own look-ups
                statements.append(statement)

        engine = db.session.get_bind()
        event.listen(engine, "before_cursor_execute", listen)
        try:
            incident_review(inc)
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        return len(statements)

    assert count_queries(2) == count_queries(12)


def test_integrity_uses_the_decision_chain(app):
    from lbs.demo.incidents import DEMO_TITLE
    from lbs.incidents.models import Incident

    demo = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
    result = integrity.check_chain(demo.id)
    assert result.available and result.ok and result.checked == 6 and result.first_broken is None
    db.session.execute(update(Decision).where(Decision.incident_id == demo.id, Decision.number == 4)
                       .values(rationale="changed afterwards"))
    db.session.expire_all()
    broken = integrity.check_chain(demo.id)
    assert broken.available and not broken.ok and broken.first_broken == 4
    assert integrity.check_chain(999_999).available is False


def test_findings_by_reviewer_only(review_incident):
    revisor = user("revisor")
    decision_id = incident_review(review_incident).decisions[1].decision.id
    finding = add_finding(by=revisor, incident=review_incident,
                                   observation="Kommunaldirektøren blev ikke hørt",
                                   recommendation="Tjekliste for evakuering", owner_text="Herning Kommune, stab",
                                   decision_id=decision_id)
    assert finding.id and finding.created_by_id == revisor.id
    rows = list_findings(review_incident.id)
    assert [(r.decision_number, r.owner_name) for r in rows] == [(2, "Herning Kommune, stab")]
    with pytest.raises(Forbidden):
        add_finding(by=user("politi"), incident=review_incident, observation="x")
    with pytest.raises(ValidationError) as error:
        add_finding(by=revisor, incident=review_incident, observation="  ")
    assert "observation" in error.value.fields
    other = factories.review_incident_with_decisions(title="Anden hændelse")
    foreign = incident_review(other).decisions[0].decision.id
    with pytest.raises(ValidationError) as error:
        add_finding(by=revisor, incident=review_incident, observation="x", decision_id=foreign)
    assert "decision" in error.value.fields
    with pytest.raises(ValidationError):
        add_finding(by=revisor, incident=review_incident, observation="a\x00b")


def test_sign_off_records_pack_hash_and_later_decisions_show_after(review_incident):
    from lbs.decisions.models import Decision
    from lbs.review import pack

    built_pack(review_incident.id)
    record = sign_off(by=user("revisor"), incident=review_incident, comment="Godkendt")
    assert len(record.pack_sha256) == 64 and record.last_decision_number == 4
    assert record.chain_head == integrity.chain_head(review_incident.id)
    assert record.signer_name
    with pytest.raises(Forbidden):
        sign_off(by=user("admin"), incident=review_incident)
    # a later amendment shows as "after sign-off"
    last = db.session.scalar(select(Decision).where(Decision.incident_id == review_incident.id,
                                                    Decision.number == 4))
    db.session.add(Decision(
        incident_id=review_incident.id, number=5, staff_id=last.staff_id, decided_at=utcnow(), recorded_at=utcnow(),
        decided_by_id=last.decided_by_id, owner_id=last.owner_id, type=last.type, title="Senere ændring",
        decision="x", rationale="y", amends_id=last.id, amendment_reason="z", prev_hash=last.hash, hash="f" * 64))
    db.session.flush()
    review = incident_review(review_incident)
    assert [r.decision.number for r in review.after_sign_off] == [5]
    assert review.last_sign_off is not None and review.last_sign_off.id == record.id
    # the recorded hash is the hash of a pack whose content verifies
    assert pack.verify_pack(pack.build_pack(review)).ok


def test_municipal_access_only_to_affected_incidents(review_incident):
    assert may_read_incident(user("herning"), review_incident.id)
    assert not may_read_incident(user("holstebro"), review_incident.id)
    assert may_read_incident(user("politi"), review_incident.id)
    with pytest.raises(NotFound):  # out of scope looks like not there (lbs.decisions.scope)
        get_incident_for(user("holstebro"), review_incident.id)


def test_search_filters(app, rules, unchecked):
    from lbs.consultation.facts import DecisionType
    from lbs.incidents.models import IncidentKind

    a = factories.review_incident_with_decisions(title="Skybrud Herning 100%_test")
    quiet = [{"staff": "LBS-O", "by": "Politidirektør", "type": "cordon", "title": "Afspærring",
              "at": utcnow() - timedelta(days=9, hours=23), "owner": "Midt- og Vestjyllands Politi"}]
    b = factories.review_incident_with_decisions(title="Snestorm Thisted", municipalities=("787", "773"),
                                                 started_at=utcnow() - timedelta(days=10), specs=quiet)
    revisor = user("revisor")

    def ids(**kw):
        page = search(user=revisor, filters=SearchFilter(**kw), per_page=100)
        return {r.incident.id for r in page.rows} & {a.id, b.id}

    assert ids() == {a.id, b.id}
    assert ids(text="SNESTORM") == {b.id}
    assert ids(text="100%_") == {a.id}
    assert ids(text="1%0") == set()  # a literal %, not a wildcard
    assert ids(text="varsling på radio") == {a.id}  # a decision's title
    assert ids(municipality="787") == {b.id}
    assert ids(staff="LBS-S") == {a.id}
    assert ids(decision_type=DecisionType.CORDON) == {a.id, b.id}
    assert ids(decision_type=DecisionType.WARNING) == {a.id}
    assert ids(kind=IncidentKind.FIRE) == set()
    assert ids(missing_only=True) == {a.id}
    assert ids(disputed_only=True) == set()  # a's disputed line was superseded by the amendment
    assert ids(date_to=utcnow() - timedelta(days=5)) == {b.id}
    assert ids(date_from=utcnow() - timedelta(days=3), date_to=utcnow()) == {a.id, b.id}  # b is still active
    row = next(r for r in search(user=revisor, filters=SearchFilter(missing_only=True),
                                          per_page=100).rows if r.incident.id == a.id)
    assert (row.decisions, row.urgent, row.missing, row.estimate_dkk) == (4, 1, 4, Decimal("175000.00"))
    # municipal users see only incidents affecting their municipality
    herning = search(user=user("herning"), filters=SearchFilter(), per_page=100)
    assert {r.incident.id for r in herning.rows} & {a.id, b.id} == {a.id}


def test_search_pages(app, rules, unchecked):
    for i in range(3):
        factories.review_incident_with_decisions(title=f"Sideopdeling {i}", specs=[])
    revisor = user("revisor")
    first = search(user=revisor, filters=SearchFilter(text="Sideopdeling"), per_page=2)
    second = search(user=revisor, filters=SearchFilter(text="Sideopdeling"), page=2, per_page=2)
    assert len(first.rows) == 2 and first.has_next
    assert len(second.rows) == 1 and not second.has_next
    assert {r.incident.title for r in first.rows + second.rows} == {f"Sideopdeling {i}" for i in range(3)}


def test_models_are_stored(review_incident):
    add_finding(by=user("revisor"), incident=review_incident, observation="o")
    built_pack(review_incident.id)
    sign_off(by=user("revisor"), incident=review_incident)
    assert db.session.scalar(select(Finding).where(Finding.incident_id == review_incident.id)) is not None
    assert db.session.scalar(select(SignOff).where(SignOff.incident_id == review_incident.id)) is not None
