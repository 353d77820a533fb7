"""The proposal pages for police and admin: propose, follow the requests, decide, withdraw, ask one more party;
and "Anmod om høring" on the decision page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from lbs.auth.models import User
from lbs.consultation.hearings import ConsultationRequest, Proposal, ProposalStatus, RequestStatus
from lbs.consultation.parties import list_parties
from lbs.extensions import db
from lbs.formatting import dt_input
from lbs.timeutil import utcnow
from tests import factories
from tests.hearing.conftest import decision_maker, proposal_body, request_for


def _form(**overrides: Any) -> dict[str, Any]:
    """The proposal form as typed: Herning bears 300 000 kr. of evacuation transport."""
    data: dict[str, Any] = {
        "staff": "LBS-S", "owner": str(factories.organisation("Midt- og Vestjyllands Politi").id),
        "type": "evacuation", "title": "Evakuering af Sunds", "decision": "Sunds evakueres til Herning Hallerne.",
        "rationale": "Dæmningen kan bryde inden for 6 timer.",
        "costs-0-bearer": str(factories.organisation("Herning Kommune").id),
        "costs-0-category": "evacuation_transport", "costs-0-estimate": "300.000,00",
        "respond_by": dt_input(utcnow() + timedelta(hours=2)),
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _without_the_demo_proposal(app: Any) -> None:
    """These tests count proposals and requests from none: the demo's own open proposal is set aside (the test's
    transaction is rolled back afterwards)."""
    db.session.execute(delete(ConsultationRequest))
    db.session.execute(delete(Proposal))
    db.session.flush()


def _proposals() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Proposal)) or 0


def _requests() -> int:
    return db.session.scalar(select(func.count()).select_from(ConsultationRequest)) or 0


def _row(page: str, party: str) -> str:
    """The request table's row of one party (by its key)."""
    return page.split(f'data-party="{party}"', 2)[-1].split("</tr>", 1)[0]


def test_the_incident_page_offers_propose_and_the_proposals(login, incident):
    page = login("politi").get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Foreslå beslutning" in page and f'href="/incidents/{incident.id}/proposals/new"' in page
    assert f'href="/incidents/{incident.id}/proposals"' in page
    login("politi").post("/logout")
    listing = login("herning").get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Foreslå beslutning" not in listing and f'href="/incidents/{incident.id}/proposals"' in listing


def test_propose_via_the_form_asks_the_required_parties(login, incident):
    client = login("politi")
    form_page = client.get(f"/incidents/{incident.id}/proposals/new").get_data(as_text=True)
    assert 'name="respond_by"' in form_page and "Svarfrist" in form_page
    assert 'name="decided_at"' not in form_page and 'name="decided_by"' not in form_page
    assert 'name="delay_reason"' not in form_page
    response = client.post(f"/incidents/{incident.id}/proposals/new", data=_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    proposal = db.session.scalars(select(Proposal)).one()
    assert response.headers["Location"].endswith(f"/proposals/{proposal.id}")
    assert proposal.body["costs"][0]["estimate_dkk"] == "300000.00" and proposal.respond_by is not None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Forslaget er gemt" in page and "Evakuering af Sunds" in page
    assert 'data-party="657:kommunaldirektoer"' in page and "Afventer svar" in _row(page, "657:kommunaldirektoer")
    listing = client.get(f"/incidents/{incident.id}/proposals").get_data(as_text=True)
    open_count = len(proposal_requests(proposal.id))
    assert "Evakuering af Sunds" in listing and "Åben" in listing and f'class="num">{open_count}</td>' in listing


def proposal_requests(proposal_id: int) -> list[ConsultationRequest]:
    return list(db.session.scalars(select(ConsultationRequest).where(ConsultationRequest.proposal_id == proposal_id)))


@pytest.mark.parametrize("change, field, message", [
    ({"title": ""}, "title", "Feltet skal udfyldes."),
    ({"respond_by": lambda: dt_input(utcnow() - timedelta(hours=1))}, "respond_by",
     "Tidspunktet må ikke ligge i fortiden."),
    ({"respond_by": "i morgen"}, "respond_by", "Angiv"),
])
def test_a_bad_proposal_is_shown_again_in_danish_and_nothing_is_written(login, incident, change, field, message):
    change = {k: v() if callable(v) else v for k, v in change.items()}
    response = login("politi").post(f"/incidents/{incident.id}/proposals/new", data=_form(**change))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert "Sunds evakueres til Herning Hallerne." in page  # what was typed is kept
    assert _proposals() == 0 and _requests() == 0


def test_the_proposal_page_shows_every_request_and_its_state(api_as, login, proposal):
    herning = api_as("herning")
    answered = request_for(proposal, "657:kommunaldirektoer")
    assert herning.post(f"/api/v1/consultation-requests/{answered['id']}/answer", json={
        "outcome": "agreed_with_reservation", "comment": "Kun busser fra Midttrafik."}).status_code == 200
    late = request_for(proposal, "657:borgmester")
    db.session.execute(update(ConsultationRequest).where(ConsultationRequest.id == late["id"])
                       .values(respond_by=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    page = login("politi").get(f"/proposals/{proposal['id']}").get_data(as_text=True)
    row = _row(page, "657:kommunaldirektoer")
    herning_user = db.session.scalars(select(User).where(User.username == "herning")).one()
    assert "Besvaret" in row and "Enig med forbehold" in row and "Kun busser fra Midttrafik." in row
    assert (herning_user.display_name or "herning") in row
    assert "Overskredet" in _row(page, "657:borgmester")
    others = [r["party"] for r in proposal["requests"] if r["party"] not in ("657:kommunaldirektoer", "657:borgmester")]
    assert all("Afventer svar" in _row(page, key) for key in others)
    assert "Sunds evakueres til Herning Hallerne." in page and "Dæmningen kan bryde" in page
    assert "Herning Kommune" in page and "300.000,00" in page
    assert "required-consultations" in page and "opfyldt" in page
    assert 'class="table-scroll"' in page


def test_deciding_via_the_form_lands_on_the_decision_with_the_answers(api_as, login, proposal):
    ask = request_for(proposal, "657:kommunaldirektoer")
    assert api_as("herning").post(f"/api/v1/consultation-requests/{ask['id']}/answer", json={
        "outcome": "agreed_with_reservation", "comment": "Kun busser fra Midttrafik."}).status_code == 200
    client = login("politi")
    page = client.get(f"/proposals/{proposal['id']}").get_data(as_text=True)
    assert "Træf beslutning" in page and f'action="/proposals/{proposal["id"]}/decide"' in page
    response = client.post(f"/proposals/{proposal['id']}/decide", data={
        "decided_at": dt_input(utcnow() - timedelta(minutes=1)), "decided_by": str(decision_maker())})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = db.session.get(Proposal, proposal["id"])
    db.session.refresh(stored)
    assert stored.status is ProposalStatus.DECIDED and stored.decision_id is not None
    assert response.headers["Location"].endswith(f"/decisions/{stored.decision_id}")
    decision_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "er logført ud fra forslaget" in decision_page
    assert "Enig med forbehold" in decision_page and "Kun busser fra Midttrafik." in decision_page
    assert "(lbs)" in decision_page
    after = client.get(f"/proposals/{proposal['id']}").get_data(as_text=True)
    assert f'href="/decisions/{stored.decision_id}"' in after and "Træf beslutning" not in after


def test_deciding_needs_a_decision_maker(login, proposal):
    response = login("politi").post(f"/proposals/{proposal['id']}/decide", data={
        "decided_at": dt_input(utcnow()), "decided_by": ""})
    assert response.status_code == 422
    assert "Feltet skal udfyldes." in response.get_data(as_text=True).split('id="decided_by-error"', 1)[1][:200]
    assert db.session.get(Proposal, proposal["id"]).status is ProposalStatus.OPEN


def test_a_late_decision_needs_a_delay_reason_in_danish(login, proposal):
    response = login("politi").post(f"/proposals/{proposal['id']}/decide", data={
        "decided_at": dt_input(utcnow() - timedelta(hours=1)), "decided_by": str(decision_maker())})
    assert response.status_code == 422
    error = response.get_data(as_text=True).split('id="delay_reason-error"', 1)[1].split("</p>", 1)[0]
    assert "forklar forsinkelsen" in error
    db.session.expire_all()
    assert db.session.get(Proposal, proposal["id"]).status is ProposalStatus.OPEN


def test_withdrawing_needs_a_reason(login, proposal):
    client = login("politi")
    refused = client.post(f"/proposals/{proposal['id']}/withdraw", data={"reason": ""})
    assert refused.status_code == 422
    assert "Angiv hvorfor forslaget trækkes tilbage." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal["id"]).status is ProposalStatus.OPEN
    done = client.post(f"/proposals/{proposal['id']}/withdraw", data={"reason": "Dæmningen holdt."})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/proposals/{proposal['id']}")
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Trukket tilbage" in page and "Dæmningen holdt." in page
    assert all("Trukket tilbage" in _row(page, r["party"]) for r in proposal["requests"])
    assert "Træf beslutning" not in page and "Anmod om høring" not in page
    db.session.expire_all()
    assert all(r.status is RequestStatus.WITHDRAWN for r in proposal_requests(proposal["id"]))


def test_asking_one_more_party(login, proposal):
    asked = {r["party"] for r in proposal["requests"]}
    party = next(p.key for p in list_parties() if p.key not in asked)
    client = login("politi")
    response = client.post(f"/proposals/{proposal['id']}/requests", data={"party": party, "mode": "inform"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "er blevet anmodet om høring" in page and "Orientere" in _row(page, party)
    again = client.post(f"/proposals/{proposal['id']}/requests", data={"party": party, "mode": "inform"},
                        follow_redirects=True)
    assert "Parten har allerede en åben anmodning." in again.get_data(as_text=True)
    unknown = client.post(f"/proposals/{proposal['id']}/requests", data={"party": "657:nobody", "mode": "inform"})
    assert unknown.status_code == 422 and "Ukendt høringspart." in unknown.get_data(as_text=True)
    db.session.expire_all()
    assert len(proposal_requests(proposal["id"])) == len(proposal["requests"]) + 1


def test_asking_about_a_logged_decision_from_its_page(api_as, login, incident):
    body = proposal_body()
    body.pop("respond_by")
    logged = api_as("politi").post(f"/api/v1/incidents/{incident.id}/decisions", json={
        **body, "decided_at": (utcnow() - timedelta(minutes=1)).isoformat(), "decided_by": decision_maker()})
    assert logged.status_code == 201, logged.get_json()
    decision_id = logged.get_json()["id"]
    client = login("politi")
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert "Anmod om høring" in page and f'action="/decisions/{decision_id}/requests"' in page
    response = client.post(f"/decisions/{decision_id}/requests", data={"party": "657:kommunaldirektoer",
                                                                       "mode": "approve"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/decisions/{decision_id}")
    asked = db.session.scalars(select(ConsultationRequest)).one()
    assert asked.decision_id == decision_id and asked.party.key == "657:kommunaldirektoer"
    bad = client.post(f"/decisions/{decision_id}/requests", data={"party": "", "mode": "approve"})
    assert bad.status_code == 422 and "Vælg den part, der skal høres." in bad.get_data(as_text=True)
    for user in ("herning", "revisor"):
        client.post("/logout")
        assert "Anmod om høring" not in login(user).get(f"/decisions/{decision_id}").get_data(as_text=True)


@pytest.mark.parametrize("user", ["herning", "revisor"])
def test_municipality_and_reviewer_may_read_but_not_write(login, proposal, user):
    client = login(user)
    page = client.get(f"/proposals/{proposal['id']}").get_data(as_text=True)
    assert "Evakuering af Sunds" in page and "<form method=\"post\"" not in page.split("<main", 1)[1]
    incident_id = proposal["incident_id"]
    assert client.get(f"/incidents/{incident_id}/proposals").status_code == 200
    assert client.get(f"/incidents/{incident_id}/proposals/new").status_code == 403
    for path, data in [(f"/incidents/{incident_id}/proposals/new", _form()),
                       (f"/proposals/{proposal['id']}/decide", {"decided_at": dt_input(utcnow()),
                                                               "decided_by": str(decision_maker())}),
                       (f"/proposals/{proposal['id']}/withdraw", {"reason": "x"}),
                       (f"/proposals/{proposal['id']}/requests", {"party": "brand:bmv", "mode": "inform"})]:
        assert client.post(path, data=data).status_code == 403, path
    db.session.expire_all()
    assert db.session.get(Proposal, proposal["id"]).status is ProposalStatus.OPEN
    assert _proposals() == 1 and len(proposal_requests(proposal["id"])) == len(proposal["requests"])


def _forms_without_token(html: str) -> list[str]:
    forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, flags=re.S)
    assert forms
    return [f[:120] for f in forms if 'name="csrf_token"' not in f]


def test_every_form_carries_a_csrf_token(app, client, proposal):
    app.config["WTF_CSRF_ENABLED"] = True
    politi = db.session.scalars(select(User).where(User.username == "politi")).one()
    with client.session_transaction() as session:
        session["_user_id"] = str(politi.id)
        session["_fresh"] = True
    incident_id = proposal["incident_id"]
    for path in (f"/incidents/{incident_id}/proposals/new", f"/proposals/{proposal['id']}"):
        html = client.get(path).get_data(as_text=True)
        assert not _forms_without_token(html), path
    show = client.get(f"/proposals/{proposal['id']}").get_data(as_text=True)
    assert len(re.findall(r'name="csrf_token"', show)) >= 3  # decide, ask, withdraw
    refused = client.post(f"/proposals/{proposal['id']}/withdraw", data={"reason": "x"})
    assert refused.status_code == 400


def test_nothing_is_proposed_in_a_closed_incident(login, incident):
    from lbs.incidents.models import IncidentStatus

    incident.status, incident.ended_at = IncidentStatus.CLOSED, utcnow()
    db.session.commit()
    client = login("politi")
    response = client.post(f"/incidents/{incident.id}/proposals/new", data=_form())
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/incidents/{incident.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "der kan ikke foreslås flere beslutninger" in page and "Foreslå beslutning" not in page
    assert _proposals() == 0
