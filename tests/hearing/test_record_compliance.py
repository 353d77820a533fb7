"""The compliance page and its CSV say how many parties were asked via LBS Register and how many have not answered."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from lbs.decisions.compliance import compliance_page
from lbs.extensions import db
from lbs.hearing import answers, deciding, proposals
from tests.hearing.conftest import decision_maker, proposal_body
from tests.hearing.record_setup import heard_incident, user


def test_compliance_rows_count_requests_and_unanswered(app, incident):
    heard = heard_incident(incident)
    row = compliance_page(incident_id=incident.id).rows[0]
    assert (row.asked, row.unanswered) == (len(heard.open) + 1, len(heard.open))
    answers.answer(request=heard.open[0], data={"outcome": "agreed"}, by=user("herning"),
                   now=heard.t0 + timedelta(minutes=50))
    row = compliance_page(incident_id=incident.id).rows[0]
    assert (row.asked, row.unanswered) == (len(heard.open) + 1, len(heard.open) - 1)


def test_the_page_and_the_csv_show_the_counts(app, login, incident):
    heard = heard_incident(incident)
    client = login("revisor")
    page = client.get(f"/consultation/incidents/{incident.id}/compliance").get_data(as_text=True)
    assert "Anmodet via LBS Register" in page
    assert f"{len(heard.open) + 1} anmodet" in page and f"{len(heard.open)} ubesvarede" in page
    response = client.get(f"/consultation/incidents/{incident.id}/compliance.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0]["requested_via_lbs"] == str(len(heard.open) + 1)
    assert rows[0]["unanswered"] == str(len(heard.open))


def test_a_decision_without_requests_shows_none(app, login, incident):
    from tests import factories
    factories.decision(incident, number=1)
    incident.last_decision_number = 1
    db.session.commit()
    row = compliance_page(incident_id=incident.id).rows[0]
    assert (row.asked, row.unanswered) == (0, 0)


def test_the_page_keeps_a_constant_number_of_queries(app, incident, count_queries):
    heard_incident(incident)
    with count_queries() as few:
        compliance_page(incident_id=incident.id)
    for minutes in (60, 70, 80):
        proposal = proposals.propose(incident=incident, data=proposal_body(title=f"Forslag {minutes}"),
                                     by=user("politi"), now=heard_t(incident, minutes))
        deciding.decide(proposal=proposal, data={"decided_at": heard_t(incident, minutes + 1).isoformat(),
                                                 "decided_by": decision_maker()}, by=user("politi"),
                        now=heard_t(incident, minutes + 2))
    db.session.commit()
    with count_queries() as more:
        page = compliance_page(incident_id=incident.id)
    assert len(page.rows) == 4 and all(r.asked for r in page.rows)
    assert more.count == few.count


def heard_t(incident, minutes):
    return incident.started_at + timedelta(hours=4, minutes=minutes)
