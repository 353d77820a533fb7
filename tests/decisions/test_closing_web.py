"""HTML: "Afslut hændelse" leads to a confirmation page asking for the end time; "Genåbn hændelse" asks why.
The history is shown on the incident page, the review page and in the review PDF."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lbs.extensions import db
from lbs.formatting import dt
from lbs.incidents.models import Incident, IncidentEvent, IncidentStatus
from lbs.review import pack
from lbs.review.whole import incident_review
from lbs.timeutil import to_local, utcnow
from tests import factories


def _local(value, seconds: bool = False) -> str:
    return to_local(value).strftime("%Y-%m-%dT%H:%M:%S" if seconds else "%Y-%m-%dT%H:%M")


def _status(incident: Incident) -> IncidentStatus:
    db.session.expire_all()
    found = db.session.get(Incident, incident.id)
    assert found is not None
    return found.status


@pytest.fixture
def incident(app):
    created = factories.incident("Brand på havnen", started_at=utcnow() - timedelta(hours=4))
    db.session.commit()
    return created


def test_the_confirmation_page_asks_for_the_end_time_with_a_warning(login, incident):
    client = login("politi")
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert f'href="/incidents/{incident.id}/close"' in page and "Afslut hændelse" in page
    before = to_local(utcnow()).replace(microsecond=0)
    response = client.get(f"/incidents/{incident.id}/close")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "At afslutte hændelsen betyder:" in html and "der kan ikke længere registreres beslutninger" in html
    assert '<label for="ended_at">Sluttidspunkt (dansk tid)</label>' in html
    value = re.search(r'<input[^>]*id="ended_at"[^>]*>', html)
    assert value is not None and 'type="datetime-local"' in value.group(0)
    shown = re.search(r'value="([^"]+)"', value.group(0))
    assert shown is not None
    default = to_local(utcnow()).replace(microsecond=0)
    assert _local(before, True) <= shown.group(1) <= _local(default, True)  # now, to the second
    assert _status(incident) is IncidentStatus.ACTIVE  # showing the page closes nothing


@pytest.mark.parametrize("value, message", [
    ("", "Angiv sluttidspunktet."),
    ("i går", "Angiv dato og klokkeslæt"),
    ("2026-03-29T02:30", "Dette lokale tidspunkt findes ikke"),
    ("2026-10-25T02:30", "forekommer to gange"),
])
def test_unreadable_end_times_are_form_errors_in_danish(login, incident, value, message):
    client = login("politi")
    response = client.post(f"/incidents/{incident.id}/close", data={"ended_at": value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "error-summary" in html
    assert message in html, html[:3000]
    assert _status(incident) is IncidentStatus.ACTIVE


def test_refused_end_times_say_why_in_danish(login, incident):
    client = login("politi")
    url = f"/incidents/{incident.id}/close"
    future = client.post(url, data={"ended_at": _local(utcnow() + timedelta(hours=1))})
    assert future.status_code == 422 and "Sluttidspunktet må ikke ligge i fremtiden." in future.get_data(as_text=True)
    early = client.post(url, data={"ended_at": _local(incident.started_at - timedelta(hours=1))})
    assert early.status_code == 422 and "før hændelsens start" in early.get_data(as_text=True)
    decision = factories.decision_with_costs(incident, decided_at=utcnow() - timedelta(minutes=20))
    db.session.commit()
    before = client.post(url, data={"ended_at": _local(decision.decided_at - timedelta(minutes=5))})
    html = before.get_data(as_text=True)
    assert before.status_code == 422 and "seneste beslutning (beslutning 1, " in html
    assert 'aria-invalid="true"' in html
    assert _status(incident) is IncidentStatus.ACTIVE
    assert db.session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id)).all() == []


def test_close_then_reopen_shows_both_in_the_history(login, incident):
    client = login("politi")
    end = utcnow() - timedelta(minutes=3)
    response = client.post(f"/incidents/{incident.id}/close", data={"ended_at": _local(end, True)})
    assert response.status_code == 302
    assert _status(incident) is IncidentStatus.CLOSED
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Hændelsen er afsluttet." in page
    assert f"sluttidspunkt {dt(end)}." in page and "Afsluttet " in page
    assert f'href="/incidents/{incident.id}/reopen"' in page and "Genåbn hændelse" in page
    assert f"/incidents/{incident.id}/decisions/new" not in page
    assert client.get(f"/incidents/{incident.id}/close").status_code == 302  # already closed

    form = client.get(f"/incidents/{incident.id}/reopen").get_data(as_text=True)
    assert '<label for="reason">Begrundelse for genåbning</label>' in form and "<textarea" in form
    blank = client.post(f"/incidents/{incident.id}/reopen", data={"reason": "   "})
    assert blank.status_code == 422 and "Angiv begrundelsen for at genåbne hændelsen." in blank.get_data(as_text=True)
    assert _status(incident) is IncidentStatus.CLOSED
    done = client.post(f"/incidents/{incident.id}/reopen", data={"reason": "Ilden <blussede> op igen"})
    assert done.status_code == 302 and _status(incident) is IncidentStatus.ACTIVE
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Hændelsen er genåbnet." in page
    assert "Genåbnet " in page and "med begrundelsen: Ilden &lt;blussede&gt; op igen" in page
    assert page.index("Afsluttet ") < page.index("Genåbnet ")
    assert client.get(f"/incidents/{incident.id}/reopen").status_code == 302  # not closed


def test_only_writers_see_and_use_the_buttons(login, client, incident):
    client = login("revisor")
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Afslut hændelse" not in page and "Afslutning og genåbning" in page
    assert client.get(f"/incidents/{incident.id}/close").status_code == 403
    assert client.post(f"/incidents/{incident.id}/close", data={"ended_at": _local(utcnow())}).status_code == 403
    assert client.post(f"/incidents/{incident.id}/reopen", data={"reason": "x"}).status_code == 403
    assert _status(incident) is IncidentStatus.ACTIVE


def test_the_review_page_and_pdf_show_the_history(login, incident):
    client = login("politi")
    end = utcnow() - timedelta(minutes=30)
    assert client.post(f"/incidents/{incident.id}/close", data={"ended_at": _local(end)}).status_code == 302
    assert client.post(f"/incidents/{incident.id}/reopen", data={"reason": "Genopblussen"}).status_code == 302
    review = client.get(f"/review/incidents/{incident.id}").get_data(as_text=True)
    assert "Afslutning og genåbning" in review and f"sluttidspunkt {dt(end)}." in review
    assert "med begrundelsen: Genopblussen" in review
    db.session.expire_all()
    found = db.session.get(Incident, incident.id)
    assert found is not None
    whole = incident_review(found)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pack.render_pdf(whole))).pages)
    flat = " ".join(text.split())
    assert "Afslutning og genåbning" in flat and "Genopblussen" in flat and dt(end) in flat
