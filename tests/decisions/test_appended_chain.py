"""Appended consultations: the service, and the chain that makes an edit or a deletion behind the application's
back visible to every integrity check (verify, the CLI, the review)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from lbs.auth.models import User
from lbs.consultation.facts import DecisionType
from lbs.consultation.models import Consultation, Mode, Outcome, Party
from lbs.decisions import appended, appended_chain, log, reads, verification
from lbs.decisions.draft import ConsultationDraft, CostDraft, DecisionDraft
from lbs.decisions.models import CostCategory, Decision
from lbs.errors import Conflict, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.review import integrity
from lbs.staffs.models import Person
from lbs.timeutil import utcnow
from tests import factories


def _draft(title: str) -> DecisionDraft:
    pid = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
    herning = factories.organisation("Herning Kommune").id
    return DecisionDraft(
        staff="LBS-O", decided_at=utcnow() - timedelta(minutes=3), decided_by_id=pid, owner_id=herning,
        type=DecisionType.RESOURCE_REQUEST, title=title, decision="Forplejning.", rationale="Mange evakuerede.",
        costs=[CostDraft(herning, CostCategory.CATERING, Decimal("90000.00"))])


def _item(**kw) -> ConsultationDraft:
    data = dict(party="657:kommunaldirektoer", consulted_at=utcnow() - timedelta(minutes=1), mode=Mode.APPROVE,
                outcome=Outcome.AGREED, channel="telefon", note="Ringede tilbage")
    data.update(kw)
    return ConsultationDraft(**data)


@pytest.fixture
def world(app):
    """An incident with three decisions and four appended consultations: seq 1, 2 on decision 1, 3 on decision
    2, 4 on decision 3."""
    incident = factories.incident()
    decisions = [log.log_decision(incident=incident, draft=_draft(f"D{i}"), by=None).decision for i in range(3)]
    user = db.session.scalars(select(User).where(User.username == "politi")).one()
    rows = [appended.append_consultation(decision=d, item=_item(), by=user).consultation
            for d in (decisions[0], decisions[0], decisions[1], decisions[2])]
    db.session.flush()
    assert verification.verify_incident(incident).ok
    return incident, decisions, rows


def test_seqs_and_links(world):
    incident, _decisions, rows = world
    assert [r.appended_seq for r in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash is None and [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    db.session.refresh(incident)
    assert incident.appended_consultations == 4 and incident.consultation_head == rows[-1].hash
    assert rows[0].recorded_by_id is not None
    assert verification.verify_incident(incident) == verification.chain.ChainResult(True, 3, None)


def test_appending_keeps_the_decision_hash_and_rejudges_unmet(app):
    incident = factories.incident()
    decision = log.log_decision(incident=incident, draft=_draft("D"), by=None).decision
    before_hash, before_unmet = decision.hash, decision.unmet_count
    assert before_unmet == 1
    appended.append_consultation(decision=decision, item=_item(mode=Mode.CONSULT), by=None)
    assert decision.unmet_count == 1  # consulting is less than the approval required
    appended.append_consultation(decision=decision, item=_item(), by=None)
    db.session.flush()
    db.session.expire_all()
    stored = db.session.get(Decision, decision.id)
    assert stored.hash == before_hash and stored.unmet_count == 0


@pytest.mark.parametrize("column", ["party_id", "consulted_at", "recorded_at", "mode", "outcome", "channel", "note",
                                    "recorded_by_id", "decision_id", "appended_seq", "prev_hash", "hash"])
def test_an_edited_appended_row_is_detected(world, column):
    incident, decisions, rows = world
    target = rows[2]  # on decision 2
    value = {
        "party_id": db.session.scalars(select(Party.id).where(Party.key == "657:borgmester")).one(),
        "consulted_at": utcnow() - timedelta(hours=1), "recorded_at": utcnow() + timedelta(seconds=3),
        "mode": Mode.INFORM, "outcome": Outcome.OBJECTED, "channel": "sms", "note": "ændret",
        "recorded_by_id": None, "decision_id": decisions[0].id, "appended_seq": 9, "prev_hash": "0" * 64,
        "hash": "f" * 64,
    }[column]
    db.session.execute(update(Consultation).where(Consultation.id == target.id).values({column: value}))
    result = verification.verify_incident(incident)
    # The row moved to decision 1 breaks there; renumbered to the end, the chain breaks at the row that then
    # takes its place (decision 3's); every other edit breaks at its own decision, 2.
    expected = {"decision_id": 1, "appended_seq": 3}.get(column, 2)
    assert not result.ok and result.first_broken == expected, column
    assert result.checked == expected - 1
    assert integrity.check_chain(incident.id).ok is False


def test_deleting_the_newest_appended_row_is_detected(world):
    incident, _decisions, rows = world
    db.session.execute(delete(Consultation).where(Consultation.id == rows[-1].id))
    result = verification.verify_incident(incident)
    # The deleted row's decision is unknown: the decision of the last surviving row is named.
    assert not result.ok and result.first_broken == 2


def test_deleting_every_appended_row_is_detected(world):
    incident, _decisions, _rows = world
    db.session.execute(delete(Consultation).where(Consultation.appended_seq.is_not(None)))
    result = verification.verify_incident(incident)
    assert not result.ok and result.first_broken == 3  # none survives: the incident's last decision


def test_deleting_a_middle_appended_row_is_detected(world):
    incident, _decisions, rows = world
    db.session.execute(delete(Consultation).where(Consultation.id == rows[1].id))
    result = verification.verify_incident(incident)
    # The chain breaks at the next surviving row, which belongs to decision 2.
    assert not result.ok and result.first_broken == 2


def test_resetting_the_incident_head_is_detected(world):
    incident, _decisions, _rows = world
    db.session.execute(update(Incident).where(Incident.id == incident.id).values(consultation_head=None))
    assert verification.verify_incident(incident).first_broken == 3
    db.session.execute(update(Incident).where(Incident.id == incident.id).values(appended_consultations=0))
    assert not verification.verify_incident(incident).ok


def test_a_broken_decision_before_the_appended_break_is_named(world):
    incident, decisions, rows = world
    db.session.execute(update(Consultation).where(Consultation.id == rows[3].id).values(note="x"))  # decision 3
    db.session.execute(update(Decision).where(Decision.id == decisions[1].id).values(title="x"))  # decision 2
    assert verification.verify_incident(incident).first_broken == 2


def test_service_refusals_write_nothing(world):
    incident, decisions, _rows = world
    with pytest.raises(ValidationError) as unknown:
        appended.append_consultation(decision=decisions[0], item=_item(party="657:nobody"), by=None)
    assert "party" in unknown.value.fields
    with pytest.raises(ValidationError) as future:
        appended.append_consultation(decision=decisions[0], item=_item(consulted_at=utcnow() + timedelta(minutes=6)),
                                     by=None)
    assert "consulted_at" in future.value.fields
    db.session.refresh(incident)
    assert incident.appended_consultations == 4
    # Five minutes ahead (a clock a little fast) is accepted.
    appended.append_consultation(decision=decisions[0], item=_item(consulted_at=utcnow() + timedelta(minutes=4)),
                                 by=None)


def test_an_amended_decision_names_the_end_of_the_line(world):
    _incident, decisions, _rows = world
    from lbs.decisions import amendments
    second = amendments.amend_decision(original=decisions[0], draft=_draft("R1"), reason="r", by=None).decision
    third = amendments.amend_decision(original=second, draft=_draft("R2"), reason="r", by=None).decision
    assert reads.current_version(decisions[0]).id == third.id
    with pytest.raises(Conflict) as conflict:
        appended.append_consultation(decision=decisions[0], item=_item(), by=None)
    assert f"decision {third.number}" in conflict.value.message


def test_pure_verify_appended():
    def row(seq, prev, number=1):
        fields = {"decision_id": 1, "decision_number": number, "decision_hash": "a", "appended_seq": seq,
                  "party": "p", "consulted_at": None, "recorded_at": None, "mode": "inform", "outcome": "agreed",
                  "channel": None, "note": None, "recorded_by": None, "prev_hash": prev}
        return appended_chain.StoredAppended(fields, appended_chain.appended_hash(fields))
    first = row(1, None)
    second = row(2, first.hash, number=2)
    assert appended_chain.verify_appended([first, second], count=2, head=second.hash, last_number=2) is None
    assert appended_chain.verify_appended([first], count=2, head=second.hash, last_number=2) == 1
    assert appended_chain.verify_appended([second], count=2, head=second.hash, last_number=2) == 2
    assert appended_chain.verify_appended([], count=0, head=None, last_number=0) is None
    assert appended_chain.verify_appended([], count=1, head="x", last_number=0) == 1


def test_verify_cli_on_a_database_without_and_with_appended_consultations(runner, app):
    assert runner.invoke(args=["lbs", "verify"]).exit_code == 0
    incident = factories.incident()
    decision = log.log_decision(incident=incident, draft=_draft("D"), by=None).decision
    row = appended.append_consultation(decision=decision, item=_item(), by=None).consultation
    db.session.commit()
    ok = runner.invoke(args=["lbs", "verify", "--incident", str(incident.id)])
    assert ok.exit_code == 0, ok.output
    db.session.execute(delete(Consultation).where(Consultation.id == row.id))
    db.session.commit()
    broken = runner.invoke(args=["lbs", "verify", "--incident", str(incident.id)])
    assert broken.exit_code == 1 and "decision 1" in broken.output


def test_the_cached_compliance_summary_moves_with_an_append(app):
    from lbs.decisions import compliance

    incident = factories.incident()
    decision = log.log_decision(incident=incident, draft=_draft("D"), by=None).decision
    db.session.flush()
    db.session.refresh(incident)
    before = compliance.compliance_summary(incident=incident)
    assert before.with_gaps == 1 and before.missing >= 1
    appended.append_consultation(decision=decision, item=_item(), by=None)
    db.session.flush()
    db.session.refresh(incident)
    after = compliance.compliance_summary(incident=incident)
    assert after.with_gaps == 0 and after.missing == before.missing - 1


def test_moving_an_appended_row_to_another_incident_is_detected(world):
    incident, _decisions, rows = world
    other = factories.incident(title="Anden")
    db.session.execute(update(Consultation).where(Consultation.id == rows[2].id).values(incident_id=other.id))
    result = verification.verify_incident(incident)
    # Decision 2's row left the chain: it breaks at the next row, decision 3's.
    assert not result.ok and result.first_broken == 3
    db.session.execute(update(Consultation).where(Consultation.id == rows[2].id).values(incident_id=None))
    assert verification.verify_incident(incident).first_broken == 3
