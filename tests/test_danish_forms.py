"""Every HTML form answers invalid input in Danish: WTForms' own messages, the services' and the flashes.

Each HTML POST route of the permission matrix (tests/matrix) is submitted by a demo user allowed to use it, first
empty and then with every field the page shows filled with something wrong (far too long text, a negative amount,
an impossible date, an unknown choice); a few service rules that only a valid-looking form reaches are submitted
on their own. The messages the page shows (the error summary, the text under each field, the flashes, the title of
an error page) must hold no English sentence.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Form as WTForm

import lbs
from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.formatting import dt_input
from lbs.forms import Form, SubForm
from lbs.incidents.models import Incident
from lbs.staffs.models import Assignment, Person
from lbs.timeutil import utcnow
from tests import factories
from tests.matrix import USER_OF_ROLE, Case, all_cases

ENGLISH = re.compile(
    r"\b(the|field|fields|must|may|required|invalid|characters?|value|valid|cannot|unknown|number|please|"
    r"should|only|not|is|are|be|choice|token|amount|error|before|after|between|least|most|enter)\b",
    re.IGNORECASE)
SHOWN = re.compile(
    r'<(?:p|div|li)[^>]*class="(?:error-text|error-summary|flash[^"]*)"[^>]*>(.*?)</(?:p|div)>'
    r"|<title>(.*?)</title>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")
NAME = re.compile(r'name="([^"]+)"')

HTML_POSTS = [case for case in all_cases() if case.method == "POST" and not case.api]
AMOUNT = re.compile(r"(estimate|actual|amount)$")
WHEN = re.compile(r"(_at|_on|_from|_to|_until|^at|_by)$")
SKIP = {"csrf_token", "next", "lang"}


def shown_messages(page: str) -> list[str]:
    """The texts a person reads as the page's answer: error summary, field errors, flashes, the title."""
    texts = []
    for block, title in SHOWN.findall(page):
        text = unescape(TAG.sub(" ", block or title))
        texts.append(" ".join(text.split()))
    return texts


def english_in(page: str) -> list[str]:
    return [text for text in shown_messages(page) if ENGLISH.search(text)]


def wrong_value(name: str) -> str:
    short = name.rsplit("-", 1)[-1]
    if AMOUNT.search(short):
        return "-125,50"
    if WHEN.search(short) or "date" in short:
        return "2026-02-31T25:99"
    return "x" * 20_001


def user_for(case: Case) -> str:
    role = "police" if "police" in case.allowed else case.allowed[0]
    return USER_OF_ROLE[role]


@pytest.mark.parametrize("case", HTML_POSTS, ids=[case.label() for case in HTML_POSTS])
def test_every_form_answers_wrong_input_in_danish(client: Any, login: Any, case: Case) -> None:
    login(user_for(case))
    path = case.resolve()
    empty = client.post(path, data={}, follow_redirects=True)
    assert empty.status_code < 500, empty.get_data(as_text=True)[:300]
    page = empty.get_data(as_text=True)
    assert not english_in(page), (path, "empty", english_in(page))
    names = {name for name in NAME.findall(page) if name not in SKIP}
    wrong = client.post(path, data={name: wrong_value(name) for name in names}, follow_redirects=True)
    assert wrong.status_code < 500, wrong.get_data(as_text=True)[:300]
    page = wrong.get_data(as_text=True)
    assert not english_in(page), (path, "wrong", english_in(page))


def test_the_sign_in_form_answers_in_danish(client: Any) -> None:
    for data in ({}, {"username": "x" * 500, "password": "forkert"}):
        page = client.post("/login", data=data).get_data(as_text=True)
        assert not english_in(page), english_in(page)


def _incident() -> Incident:
    return db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()


def _decision(**overrides: Any) -> dict[str, Any]:
    maker = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
    data = {
        "staff": "LBS-O", "decided_at": dt_input(utcnow() - timedelta(minutes=2)), "decided_by": str(maker),
        "owner": str(factories.organisation("Midt- og Vestjyllands Politi").id), "type": "cordon",
        "title": "Afspærring af Torvet", "decision": "Torvet afspærres.", "rationale": "Vand på Torvet.",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(("overrides", "danish"), [
    ({"decided_at": dt_input(utcnow() + timedelta(hours=2))}, "højst ligge 5 minutter ude i fremtiden"),
    ({"decided_at": "2001-01-01T12:00"}, "før hændelsen begyndte"),
    ({"decided_at": dt_input(utcnow() - timedelta(hours=1))}, "forklar forsinkelsen"),
    ({"costs-0-bearer": "", "costs-0-category": "evacuation_transport", "costs-0-estimate": "-1.000,00"},
     "Beløbet må ikke være negativt"),
    ({"title": "x" * 201}, "Højst 200 tegn"),
    ({"title": ""}, "Feltet skal udfyldes"),
])
def test_the_decision_form_says_what_is_wrong_in_danish(client: Any, login: Any, overrides: dict[str, Any],
                                                        danish: str) -> None:
    login("politi")
    response = client.post(f"/incidents/{_incident().id}/decisions/new", data=_decision(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert danish in page
    assert not english_in(page), english_in(page)


def test_a_roster_period_ending_before_it_starts_is_refused_in_danish(client: Any, login: Any) -> None:
    login("politi")
    held = db.session.scalars(select(Assignment).where(Assignment.valid_to.is_(None))).first()
    assert held is not None
    start = utcnow() + timedelta(days=3)
    response = client.post(f"/staffs/positions/{held.position_id}/assign", data={
        "person": str(held.person_id), "rank": "5",
        "valid_from": dt_input(start), "valid_to": dt_input(start - timedelta(days=1))})
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422), page[:300]
    assert "Skal ligge efter starten" in page
    assert not english_in(page), english_in(page)


def test_the_english_interface_keeps_english_messages(client: Any, login: Any) -> None:
    login("politi")
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.post(f"/incidents/{_incident().id}/decisions/new",
                       data=_decision(title="", decided_at=dt_input(utcnow() + timedelta(hours=2)))
                       ).get_data(as_text=True)
    assert "This field is required." in page


def test_the_api_keeps_english_messages(api_as: Any) -> None:
    api = api_as("politi")
    response = api.post(f"/api/v1/incidents/{_incident().id}/decisions", json={
        "staff": "LBS-O", "decided_at": (utcnow() + timedelta(hours=2)).isoformat(), "title": ""})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields["title"] == ["may not be empty"] and fields["decision"] == ["is required"], fields


def test_every_form_of_the_app_translates_wtforms_messages() -> None:
    """Every form derives from lbs.forms.Form (a FieldList row from SubForm): WTForms' messages then come from
    our catalog; a form on FlaskForm or wtforms.Form alone would answer "This field is required." in English."""
    for info in pkgutil.walk_packages(lbs.__path__, "lbs."):
        importlib.import_module(info.name)
    forms = _subclasses(FlaskForm) | _subclasses(WTForm)
    ours = [form for form in forms if form.__module__.startswith("lbs.") and form not in (Form, SubForm)]
    assert len(ours) > 20
    wrong = [f"{form.__module__}.{form.__name__}" for form in ours if not issubclass(form, (Form, SubForm))]
    assert not wrong, wrong


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_a_service_message_with_values_is_translated_with_them(app: Any) -> None:
    from flask_babel import force_locale

    from lbs.errors import N_
    from lbs.i18n import translated

    english = N_("may have at most %(max)s characters", max=200)
    moved = N_("cannot move from %(old)s to %(new)s", old="estimated", new="settled")
    assert english == "may have at most 200 characters"
    with app.test_request_context("/"), force_locale("da"):
        assert translated(english) == "Højst 200 tegn."
        assert translated(moved) == "Kan ikke skifte status fra estimeret til afregnet."
        assert translated("unknown person") == "Ukendt person."
        assert translated("a message nobody marked") == "a message nobody marked"
    with app.test_request_context("/"), force_locale("en"):
        assert translated(english) == english
