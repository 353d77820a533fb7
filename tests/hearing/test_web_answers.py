"""The answering side in the HTML UI: the waiting list, the request page, the answer form and who may use it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from lbs.auth.models import User
from lbs.consultation.hearings import Answer, ConsultationRequest, RequestStatus
from lbs.extensions import db
from lbs.hearing import proposals, reads
from lbs.timeutil import utcnow
from tests import factories
from tests.hearing.conftest import proposal_body, request_for

HERNING_KD = "657:kommunaldirektoer"
FIRE = "brand:bmv"


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def _stored(request_id: int) -> ConsultationRequest:
    db.session.expire_all()
    found = db.session.get(ConsultationRequest, request_id)
    assert found is not None
    return found


def _nav_count(page: str) -> str | None:
    nav = page.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    found = re.search(r'<span class="badge nav-count">(\d+)<span class="visually-hidden"> venter på svar</span>', nav)
    return found.group(1) if found else None


def _page(client: Any, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return str(response.get_data(as_text=True))


def test_herning_sees_the_waiting_section_and_the_nav_count(client, login, proposal):
    ask = request_for(proposal, HERNING_KD)
    waiting = reads.waiting_count(_user("herning"))
    # This proposal's requests to Herning's parties, and the one the demo's own proposal asks.
    assert waiting == sum(r["party"].startswith("657:") for r in proposal["requests"]) + 1 >= 3
    login("herning")
    home = _page(client, "/")  # not sent on to the cost dashboard while consultations wait
    assert "Høringer, der venter på svar" in home
    section = home.split('id="requests-waiting-heading"', 1)[1].split("</section>", 1)[0]
    assert f'href="/consultation-requests/{ask["id"]}"' in section
    assert "Evakuering af Sunds" in section and "Kommunaldirektør" in section
    assert "Svarfrist" in section and "Anmodet" in section
    assert _nav_count(home) == str(waiting)
    assert '<a href="/consultation-requests"' in home and ">Høringer" in home
    client.post("/logout")
    # Holstebro has nothing waiting: its landing page is still the cost dashboard, and no badge.
    login("holstebro")
    assert client.get("/").headers["Location"].rstrip("/").endswith("/costs")
    assert _nav_count(_page(client, "/incidents")) is None


def test_answer_with_reservation_needs_a_comment_then_is_signed(client, login, proposal):
    ask = request_for(proposal, HERNING_KD)
    login("herning")
    before = _nav_count(_page(client, "/incidents"))
    page = _page(client, f"/consultation-requests/{ask['id']}")
    assert 'type="radio"' in page and "<legend>Dit svar</legend>" in page
    refused = client.post(f"/consultation-requests/{ask['id']}/answer",
                          data={"outcome": "agreed_with_reservation", "comment": "  "})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Skriv en kommentar: den er påkrævet ved forbehold eller indsigelse." in body
    assert 'aria-describedby="comment-hint comment-error"' in body and 'href="#comment"' in body
    assert _stored(ask["id"]).status is RequestStatus.OPEN
    done = client.post(f"/consultation-requests/{ask['id']}/answer",
                       data={"outcome": "agreed_with_reservation", "comment": "Kun busser fra Midttrafik."})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/consultation-requests/{ask['id']}")
    stored = _stored(ask["id"])
    assert stored.status is RequestStatus.ANSWERED and stored.outcome is Answer.AGREED_WITH_RESERVATION
    assert stored.answered_by_id == _user("herning").id and stored.comment == "Kun busser fra Midttrafik."
    shown = _page(client, f"/consultation-requests/{ask['id']}")
    herning = _user("herning")
    assert f"Besvaret af {herning.display_name or herning.username}, " in shown
    assert "Enig med forbehold" in shown and "Kun busser fra Midttrafik." in shown
    assert "/answer" not in shown and 'type="radio"' not in shown  # never editable
    assert int(_nav_count(shown) or 0) == int(before or 0) - 1
    again = client.post(f"/consultation-requests/{ask['id']}/answer", data={"outcome": "agreed"},
                        follow_redirects=True)
    assert "Høringen er allerede besvaret." in again.get_data(as_text=True)
    assert _stored(ask["id"]).outcome is Answer.AGREED_WITH_RESERVATION


def test_no_choice_is_a_danish_error_and_nothing_is_written(client, login, proposal):
    ask = request_for(proposal, HERNING_KD)
    login("herning")
    refused = client.post(f"/consultation-requests/{ask['id']}/answer", data={"comment": "x"})
    assert refused.status_code == 422 and "Vælg dit svar." in refused.get_data(as_text=True)
    assert 'aria-describedby="outcome-error"' in refused.get_data(as_text=True)
    assert _stored(ask["id"]).status is RequestStatus.OPEN


def test_another_municipality_is_refused(client, login, proposal):
    ask = request_for(proposal, HERNING_KD)
    login("holstebro")
    # The incident does not affect Holstebro (issue 23): its request is not found, to read or to answer.
    assert client.get(f"/consultation-requests/{ask['id']}").status_code == 404
    assert client.post(f"/consultation-requests/{ask['id']}/answer", data={"outcome": "agreed"}).status_code == 404
    assert _stored(ask["id"]).status is RequestStatus.OPEN
    assert "Evakuering af Sunds" not in _page(client, "/consultation-requests")


def test_police_answer_for_the_fire_service_but_not_for_herning(client, login, proposal):
    herning, fire = request_for(proposal, HERNING_KD), request_for(proposal, FIRE)
    login("politi")
    page = _page(client, f"/consultation-requests/{herning['id']}")
    assert "Evakuering af Sunds" in page and 'type="radio"' not in page
    assert "Du kan ikke svare for denne part." in page
    assert client.post(f"/consultation-requests/{herning['id']}/answer",
                       data={"outcome": "agreed"}).status_code == 403
    assert _stored(herning["id"]).status is RequestStatus.OPEN
    home = _page(client, "/")
    assert f'href="/consultation-requests/{fire["id"]}"' in home
    assert f'href="/consultation-requests/{herning["id"]}"' not in home  # not theirs to answer
    assert 'type="radio"' in _page(client, f"/consultation-requests/{fire['id']}")
    done = client.post(f"/consultation-requests/{fire['id']}/answer", data={"outcome": "agreed", "comment": ""})
    assert done.status_code == 302
    stored = _stored(fire["id"])
    assert stored.outcome is Answer.AGREED and stored.comment is None


def test_the_page_shows_the_proposal_and_only_herning_s_costs_to_herning(client, login, incident):
    holstebro = factories.organisation("Holstebro Kommune").id
    herning = factories.organisation("Herning Kommune").id
    body = proposal_body(
        information="Vandstanden stiger 10 cm i timen.", legal_basis="Beredskabslovens § 17",
        options=[{"text": "Evakuering af Sunds", "chosen": True},
                 {"text": "Sandsække", "chosen": False, "rejection_reason": "For sent"}],
        costs=[{"bearer": herning, "category": "evacuation_transport", "estimate_dkk": "300000"},
               {"bearer": holstebro, "category": "catering", "estimate_dkk": "125000"}])
    made = proposals.propose(incident=incident, data=body, by=_user("politi"))
    db.session.commit()
    ask = next(r for r in reads.requests_of_proposal(made.id) if r.party.key == HERNING_KD)
    ask.respond_by = utcnow() - timedelta(minutes=5)
    db.session.commit()
    login("herning")
    page = _page(client, f"/consultation-requests/{ask.id}")
    for text in ("Evakuering af Sunds", "Sunds evakueres til Herning Hallerne.",
                 "Dæmningen kan bryde inden for 6 timer.", "Vandstanden stiger 10 cm i timen.",
                 "Beredskabslovens § 17", "fravalgt:", "For sent",
                 "Midt- og Vestjyllands Politi", "Udgifter for jeres kommune", "300.000,00\u00a0kr.",
                 "Herning Kommune", "fristen er overskredet"):
        assert text in page, text
    politi = _user("politi")
    assert f"{politi.display_name or politi.username}, " in page
    assert "125.000,00" not in page and "Holstebro Kommune" not in page
    client.post("/logout")
    login("politi")
    police_view = _page(client, f"/consultation-requests/{ask.id}")
    assert "125.000,00\u00a0kr." in police_view and "300.000,00\u00a0kr." in police_view


def test_the_list_puts_open_first_and_a_reviewer_is_told_they_answer_nothing(client, login, proposal):
    first = request_for(proposal, HERNING_KD)
    login("herning")
    client.post(f"/consultation-requests/{first['id']}/answer", data={"outcome": "agreed"})
    listing = _page(client, "/consultation-requests")
    open_part, closed_part = listing.split("Besvaret eller trukket tilbage", 1)
    assert "Venter på svar" in open_part and f'/consultation-requests/{first["id"]}"' in closed_part
    assert f'/consultation-requests/{first["id"]}"' not in open_part
    assert "Besvaret" in closed_part
    client.post("/logout")
    login("revisor")
    assert "Revisorer besvarer ingen høringer" in _page(client, "/consultation-requests")
    assert client.get(f"/consultation-requests/{first['id']}").status_code == 403
    assert _nav_count(_page(client, "/incidents")) is None and 'href="/consultation-requests"' not in \
        _page(client, "/incidents")


def test_a_withdrawn_request_shows_no_form_and_refuses_an_answer(client, login, proposal):
    ask = request_for(proposal, HERNING_KD)
    made = reads.get_proposal(proposal["id"])
    proposals.withdraw(proposal=made, data={"reason": "Vandet faldt."}, by=_user("politi"))
    db.session.commit()
    login("herning")
    page = _page(client, f"/consultation-requests/{ask['id']}")
    assert "trukket tilbage" in page and 'type="radio"' not in page
    refused = client.post(f"/consultation-requests/{ask['id']}/answer", data={"outcome": "agreed"},
                          follow_redirects=True)
    assert "Høringen er trukket tilbage: den kan ikke længere besvares." in refused.get_data(as_text=True)
    assert _stored(ask["id"]).status is RequestStatus.WITHDRAWN


def test_every_form_has_a_csrf_token(app, client, login, proposal):
    ask = request_for(proposal, HERNING_KD)
    login("herning")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for path in ("/", "/consultation-requests", f"/consultation-requests/{ask['id']}"):
            page = _page(client, path)
            forms = re.findall(r"<form\b.*?</form>", page, flags=re.S)
            assert forms and all('name="csrf_token"' in form for form in forms), path
        assert client.post(f"/consultation-requests/{ask['id']}/answer",
                           data={"outcome": "agreed"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _stored(ask["id"]).status is RequestStatus.OPEN


def test_an_answer_after_the_decision_is_appended_to_it_and_a_closed_incident_refuses(client, login, incident,
                                                                                       proposal):
    from lbs.decisions import closing
    from lbs.hearing import deciding
    from tests.hearing.conftest import decision_maker

    first, second = request_for(proposal, HERNING_KD), request_for(proposal, "657:borgmester")
    logged = deciding.decide(proposal=reads.get_proposal(proposal["id"]), by=_user("politi"), data={
        "decided_at": (utcnow() - timedelta(minutes=1)).isoformat(), "decided_by": decision_maker()})
    db.session.commit()
    number = logged.decision.number
    login("herning")
    page = _page(client, f"/consultation-requests/{first['id']}")
    assert "Forslaget er siden besluttet som" in page and f'href="/decisions/{logged.decision.id}"' in page
    assert f"beslutning {number}" in page and 'type="radio"' in page
    assert client.post(f"/consultation-requests/{first['id']}/answer",
                       data={"outcome": "objected", "comment": "For dyrt."}).status_code == 302
    assert _stored(first["id"]).consultation_id is not None  # appended to the decision as a consultation
    closing.close_incident(incident=incident, by=_user("politi"))
    db.session.commit()
    refused = client.post(f"/consultation-requests/{second['id']}/answer", data={"outcome": "agreed"},
                          follow_redirects=True)
    assert "Hændelsen er afsluttet: svaret kan ikke registreres." in refused.get_data(as_text=True)
    assert _stored(second["id"]).status is RequestStatus.OPEN


def test_a_request_about_a_logged_decision_shows_the_decision(client, login, incident, proposal):
    from lbs.hearing import deciding
    from tests.hearing.conftest import decision_maker

    logged = deciding.decide(proposal=reads.get_proposal(proposal["id"]), by=_user("politi"), data={
        "decided_at": (utcnow() - timedelta(minutes=1)).isoformat(), "decided_by": decision_maker()})
    asked = proposals.ask_on_decision(decision=logged.decision, data={"party": "661:borgmester", "mode": "inform"},
                                      by=_user("politi"))
    db.session.commit()
    login("holstebro")
    page = _page(client, f"/consultation-requests/{asked.id}")
    assert f"Beslutning {logged.decision.number}" in page and "Sunds evakueres til Herning Hallerne." in page
    assert "Ingen udgifter falder på jeres kommune." in page and "300.000,00" not in page
    assert 'type="radio"' in page
    assert client.post(f"/consultation-requests/{asked.id}/answer", data={"outcome": "agreed"}).status_code == 302
    assert _stored(asked.id).consultation_id is not None


def test_the_navigation_counts_with_one_query_and_only_for_answering_roles(client, login, proposal,
                                                                             count_queries):
    for username, expected in (("herning", 1), ("revisor", 0), ("politi", 1)):
        login(username)
        with count_queries() as counter:
            _page(client, "/staffs")
        asked = [s for s in counter.statements if "consultation_requests" in s]
        assert len(asked) == expected, (username, asked)
        client.post("/logout")
