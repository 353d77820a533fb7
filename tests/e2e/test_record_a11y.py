"""The pages that show the hearings via LBS Register (issue 21) pass the accessibility scan with hearing data on
them: the decision page, the incident timeline, the compliance page and the review."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.incidents.models import Incident
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import csp_free_page, scan  # noqa: F401  (the fixture)
from tests.hearing.record_setup import heard_incident


@pytest.fixture(scope="module")
def heard_paths(live_server) -> dict[str, str]:
    with live_server.app.app_context():
        incident = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
        heard = heard_incident(incident)
        paths = {f"/decisions/{heard.decision.id}": "Høringer via LBS Register",
                 f"/incidents/{incident.id}?after={incident.last_decision_number}": "Forslag: Evakuering af Sunds",
                 f"/consultation/incidents/{incident.id}/compliance": "Anmodet via LBS Register",
                 f"/review/incidents/{incident.id}": "Høringer via LBS Register"}
        db.session.remove()
    return paths


def test_the_hearing_record_pages_pass_the_scan(csp_free_page, live_server, heard_paths):  # noqa: F811
    sign_in(csp_free_page, live_server, "revisor")
    problems = []
    for path, text in heard_paths.items():
        response = csp_free_page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert csp_free_page.get_by_text(text).count(), (path, text)
        problems.extend(scan(csp_free_page))
    assert not problems, "\n".join(problems)
