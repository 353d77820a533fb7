"""The decision form on a phone (issue 24): one cost row and one consultation row to start with, "Add a row"
working without JavaScript (the form shown again with what was typed and one more row), and the language switch
keeping the page, and after a failed POST the input too."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lbs.decisions.models import Decision
from lbs.extensions import db
from tests.decisions.test_web import _demo, _form


def _count() -> int:
    return db.session.scalar(select(func.count(Decision.id))) or 0


def test_the_form_starts_with_one_cost_row_and_one_consultation_row(login):
    page = login("politi").get(f"/incidents/{_demo().id}/decisions/new").get_data(as_text=True)
    assert 'name="costs-0-bearer"' in page and 'name="costs-1-bearer"' not in page
    assert 'name="consultations-0-party"' in page and 'name="consultations-1-party"' not in page
    for rows in ("options", "costs", "consultations"):
        assert f'name="add_row" value="{rows}"' in page
    assert "Tilføj en udgiftslinje" in page and "Tilføj en høring" in page
    assert "js/rows.js" in page


def test_add_a_row_without_javascript_keeps_what_was_typed(login):
    client = login("politi")
    demo, before = _demo(), _count()
    data = _form(**{"costs-0-estimate": "12.500,50", "consultations-0-note": "Ringet op", "add_row": "consultations"})
    response = client.post(f"/incidents/{demo.id}/decisions/new", data=data)
    assert response.status_code == 200 and _count() == before  # shown again, not saved
    page = response.get_data(as_text=True)
    assert 'value="Afspærring af Torvet"' in page and 'value="12.500,50"' in page and 'value="Ringet op"' in page
    assert 'name="consultations-1-party"' in page and 'name="consultations-2-party"' not in page
    assert 'name="costs-1-bearer"' not in page
    assert 'id="error-summary"' not in page  # nothing was validated yet
    again = client.post(f"/incidents/{demo.id}/decisions/new", data={**data, "add_row": "costs"})
    assert 'name="costs-1-bearer"' in again.get_data(as_text=True)
    # The form then saves as usual.
    del data["add_row"]
    saved = client.post(f"/incidents/{demo.id}/decisions/new",
                        data={**data, "costs-0-estimate": "", "consultations-0-note": ""})
    assert saved.status_code == 302 and _count() == before + 1


def test_an_unknown_row_list_is_just_a_save(login):
    client = login("politi")
    demo, before = _demo(), _count()
    response = client.post(f"/incidents/{demo.id}/decisions/new", data=_form(add_row="title"))
    assert response.status_code == 302 and _count() == before + 1


def test_the_language_switch_on_a_failed_form_keeps_the_input(login):
    client = login("politi")
    demo = _demo()
    url = f"/incidents/{demo.id}/decisions/new"
    failed = client.post(url, data=_form(owner="", title="Min titel"))
    assert failed.status_code == 422
    page = failed.get_data(as_text=True)
    # The header's switch posts the decision form back (its own action stays the plain URL).
    assert f'form="decision-form" formaction="{url}?switch_lang=en"' in page
    assert f'action="{url}" id="decision-form"' in page
    switched = client.post(f"{url}?switch_lang=en", data=_form(owner="", title="Min titel"))
    assert switched.status_code == 200
    html = switched.get_data(as_text=True)
    assert '<html lang="en">' in html and "Log decision" in html and 'value="Min titel"' in html
    assert 'id="error-summary"' not in html
    # The choice sticks: the next page is English too.
    assert '<html lang="en">' in client.get("/incidents").get_data(as_text=True)


def test_the_language_switch_never_sends_anyone_to_a_post_only_url(login):
    client = login("politi")
    response = client.post("/language", data={"lang": "en", "next": "/logout"})
    assert response.status_code == 302 and response.headers["Location"] in ("/", "http://localhost/")
    kept = client.post("/language", data={"lang": "da", "next": "/incidents?x=1"})
    assert kept.headers["Location"].endswith("/incidents?x=1")
    assert client.get(kept.headers["Location"]).status_code == 200


def test_an_amendment_and_a_proposal_add_rows_too(login):
    from tests.decisions.test_amend_form import _nørregade, _prefilled

    client = login("politi")
    original = _nørregade()
    values = _prefilled(client, original)
    rows = sum(1 for key in values if key.endswith("-party") and key.startswith("consultations-"))
    before = _count()
    page = client.post(f"/decisions/{original.id}/amend", data={**values, "reason": "Mere", "add_row": "consultations"})
    assert page.status_code == 200 and _count() == before
    html = page.get_data(as_text=True)
    assert f'name="consultations-{rows}-party"' in html and re.search(r">\s*Mere</textarea>", html)
    proposal = client.post(f"/incidents/{_demo().id}/proposals/new", data=_form(add_row="costs", title="Forslag"))
    assert proposal.status_code == 200
    assert 'name="costs-1-bearer"' in proposal.get_data(as_text=True)
    assert 'value="Forslag"' in proposal.get_data(as_text=True)
