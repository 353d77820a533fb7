"""Proposals, consultation requests and answers appear on the incident's timeline between the decisions."""

from __future__ import annotations

import re
from datetime import timedelta

from lbs.decisions.heard import HearingEvent
from lbs.decisions.timeline import timeline_page
from lbs.extensions import db
from lbs.hearing import answers, deciding, proposals
from tests.hearing.conftest import decision_maker, proposal_body
from tests.hearing.record_setup import heard_incident, user


def _rows(page: str) -> list[str]:
    body = page[page.index('<table class="data-table timeline">'):]
    body = body[:body.index("</table>")]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("<tr")[2:]]


def test_the_timeline_lists_proposals_requests_and_answers_in_time_order(app, login, incident):
    heard = heard_incident(incident)
    asked = len(heard.open) + 1
    rows = _rows(login("politi").get(f"/incidents/{incident.id}").get_data(as_text=True))
    texts = [r for r in rows if "Forslag" in r or "Svar fra" in r or "Evakuering" in r]
    assert f"Forslag: Evakuering af Sunds ({asked} parter anmodet)" in texts[0]
    assert "Svar fra Kommunaldirektør, Herning Kommune: Enig med forbehold – Kun busser." in texts[1]
    assert "decision-row" in texts[2] and "1 Evakuering af Sunds" in texts[2]
    assert "Forslag besluttet: Evakuering af Sunds, som beslutning 1" in texts[3]
    assert "Forslag: Lukning af vej 12" in texts[4]
    assert "Forslag trukket tilbage: Vandet falder igen. (Lukning af vej 12)" in texts[5]


def test_a_request_on_a_decision_and_a_late_answer_are_entries_too(app, login, incident):
    heard = heard_incident(incident)
    late = heard.open[0]
    answers.answer(request=late, data={"outcome": "objected", "comment": "For sent."}, by=user("herning"),
                   now=heard.t0 + timedelta(minutes=50))
    proposals.ask_on_decision(decision=heard.decision, data={"party": "661:kommunaldirektoer", "mode": "inform"},
                              by=user("politi"), now=heard.t0 + timedelta(minutes=55))
    db.session.commit()
    rows = _rows(login("politi").get(f"/incidents/{incident.id}").get_data(as_text=True))
    assert any(f"Svar fra {late.party.name}: Gjorde indsigelse – For sent." in r for r in rows)
    assert any("Høring anmodet: Kommunaldirektør, Holstebro Kommune (Orientere) – beslutning 1" in r for r in rows)


def test_hearing_entries_follow_the_pages_time_window(app, incident):
    heard = heard_incident(incident)
    second = proposals.propose(incident=incident, data=proposal_body(title="Nødbelysning"), by=user("politi"),
                               now=heard.t0 + timedelta(minutes=38))
    deciding.decide(proposal=second, data={"decided_at": (heard.t0 + timedelta(minutes=40)).isoformat(),
                                           "decided_by": decision_maker()},
                    by=user("politi"), now=heard.t0 + timedelta(minutes=41))
    db.session.commit()
    db.session.refresh(incident)

    def kinds(after: int) -> list[str]:
        entries = timeline_page(incident, after=after, limit=1).entries
        return [e.item.kind if isinstance(e.item, HearingEvent) else e.kind for e in entries]

    assert kinds(0) == ["proposed", "answered", "decision"]
    assert kinds(1) == ["proposal_decided", "proposed", "proposal_withdrawn", "proposed", "decision",
                        "proposal_decided"]


def test_the_timeline_keeps_a_constant_number_of_queries(app, incident, count_queries):
    heard_incident(incident)
    with count_queries() as few:
        timeline_page(incident)
    for minutes in (60, 70, 80):
        proposals.propose(incident=incident, data=proposal_body(title=f"Forslag {minutes}"), by=user("politi"))
    db.session.commit()
    with count_queries() as more:
        timeline_page(incident)
    assert more.count == few.count
