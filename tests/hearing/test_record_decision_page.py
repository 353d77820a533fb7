"""The decision page shows the consultation requests made through LBS Register and the proposal it came from."""

from __future__ import annotations

from datetime import timedelta

from lbs.hearing import proposals as proposal_services
from lbs.timeutil import utcnow
from tests.hearing.record_setup import heard_incident, user


def _block(page: str) -> str:
    start = page.index('<section class="hearing-record"')
    return page[start:page.index("</section>", start)]


def test_answered_and_open_requests_on_the_decision_page(app, login, incident):
    heard = heard_incident(incident)
    assert heard.open, "the rules ask more than one party"
    block = _block(login("politi").get(f"/decisions/{heard.decision.id}").get_data(as_text=True))
    assert "Høringer via LBS Register" in block
    answered = next(li for li in block.split("<li")[1:] if heard.answered.party.name in li)
    assert "hørt via LBS Register: anmodet" in answered and "af Herning Kommune" in answered
    assert "Enig med forbehold" in answered and "Kun busser." in answered
    still_open = next(li for li in block.split("<li")[1:] if heard.open[0].party.name in li)
    assert "endnu intet svar" in still_open and "svarfrist" in still_open and "overskredet" not in still_open
    assert "Beslutningen er truffet på grundlag af forslaget" in block and "Evakuering af Sunds" in block


def test_a_request_on_a_logged_decision_past_its_deadline_is_overdue(app, login, incident):
    heard = heard_incident(incident)
    asked_at = utcnow() - timedelta(hours=1)
    proposal_services.ask_on_decision(
        decision=heard.decision, by=user("politi"), now=asked_at,
        data={"party": "661:kommunaldirektoer", "mode": "inform",
              "respond_by": (asked_at + timedelta(minutes=10)).isoformat()})
    block = _block(login("politi").get(f"/decisions/{heard.decision.id}").get_data(as_text=True))
    late = next(li for li in block.split("<li")[1:] if "Holstebro" in li)
    assert "endnu intet svar" in late and "overskredet" in late


def test_the_proposal_is_linked_when_its_page_exists(app, login, incident):
    if "proposals.show" not in app.view_functions:
        app.add_url_rule("/proposals/<int:proposal_id>", endpoint="proposals.show", view_func=lambda proposal_id: "")
    heard = heard_incident(incident)
    block = _block(login("politi").get(f"/decisions/{heard.decision.id}").get_data(as_text=True))
    assert f'href="/proposals/{heard.proposal.id}"' in block


def test_a_decision_logged_directly_says_nobody_was_asked(app, login, incident):
    from tests import factories
    decision = factories.decision(incident, number=1)
    page = login("politi").get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "Ingen parter er anmodet om høring via LBS Register." in _block(page)
    assert "Beslutningen er truffet på grundlag af forslaget" not in page
