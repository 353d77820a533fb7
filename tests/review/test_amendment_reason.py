"""The review shows and exports an amendment's reason as the amendment reason: never as a reason for late
recording, and an amendment recorded long after the decision counts as explained."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from html import unescape

from sqlalchemy import select

from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.review import pack
from lbs.review.page import summary
from lbs.review.whole import incident_review
from tests import factories

REASON = "Antallet af beboere var forkert"


def test_review_page_and_pack_keep_the_amendment_reason_apart(api_as, login):
    demo = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
    first = factories.decisions_of(demo)[0]
    late_before = summary(demo).figures.late_unexplained
    response = api_as("politi").post(f"/api/v1/decisions/{first.id}/amendments",
                                     json={"reason": REASON, "title": "Afspærring udvidet"})
    assert response.status_code == 201, response.get_json()
    number = response.get_json()["number"]
    db.session.expire_all()
    assert summary(demo).figures.late_unexplained == late_before  # eight hours late, explained by the reason

    client = login("revisor")
    html = unescape(client.get(f"/review/incidents/{demo.id}").get_data(as_text=True))
    section = html[html.index(f'id="decision-{number}"'):]
    section = section[:section.index("</section>")]
    assert "Begrundelse for ændringen" in section and REASON in section
    assert "ingen begrundelse givet" not in section

    archive = zipfile.ZipFile(io.BytesIO(pack.build_pack(incident_review(demo))))
    decisions = json.loads(archive.read("decisions.json"))["decisions"]
    amended = next(d for d in decisions if d["number"] == number)
    assert amended["amendment_reason"] == REASON and amended["delay_reason"] is None
    rows = list(csv.DictReader(io.StringIO(archive.read("decisions.csv").decode("utf-8-sig")), delimiter=";"))
    row = next(r for r in rows if r["number"] == str(number))
    assert row["amendment_reason"] == REASON and row["delay_reason"] == ""
