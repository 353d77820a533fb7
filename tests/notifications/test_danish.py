"""Mails are Danish whatever the language of the request that caused them: no English sentence of the catalog in
the subject or either body, for each kind; also when rendered outside any request (a CLI command)."""

from __future__ import annotations

import re

import pytest

from lbs.notifications.mails import render_mail
from lbs.notifications.models import Kind

PARAMS = {
    Kind.CONSULTATION_REQUEST: {"party": "Kommunaldirektør, Herning Kommune", "mode": "approve",
                                "title": "Evakuering af Sunds", "incident": "Oversvømmelse i Herning"},
    Kind.COST_LINE: {"bearer": "Herning Kommune", "amount": "300000", "category": "evacuation_transport",
                     "number": 7, "title": "Evakuering af Sunds", "incident": "Oversvømmelse i Herning"},
    Kind.ANSWER: {"party": "Kommunaldirektør, Herning Kommune", "outcome": "agreed_with_reservation",
                  "title": "Evakuering af Sunds", "incident": "Oversvømmelse i Herning"},
    Kind.COST_LINE_SUPERSEDED: {"bearer": "Herning Kommune", "amount": "300000", "category": "evacuation_transport",
                                "old": 7, "number": 9, "title": "Evakuering af Sunds",
                                "incident": "Oversvømmelse i Herning"},
}
DANISH = {Kind.CONSULTATION_REQUEST: "Høring (Godkende): Kommunaldirektør",
          Kind.COST_LINE: "Ny omkostningslinje for Herning Kommune: ",
          Kind.ANSWER: "Svar fra Kommunaldirektør, Herning Kommune: ",
          Kind.COST_LINE_SUPERSEDED: "Omkostningslinje for Herning Kommune erstattet: "}
ENGLISH = re.compile(r"\b(Consultation|is asked|about|New cost line|superseded|replaced by|in decision|Answer from|"
                     r"Open it|You receive|register\. You|because you|Approve|Agreed|evacuation|transport)\b")


def _check(kind: Kind) -> None:
    subject, text, html = render_mail(kind, PARAMS[kind], "/somewhere/1")
    assert subject.startswith("[LBS Register] " + DANISH[kind])
    for part in (subject, text, html):
        assert not ENGLISH.search(part), (kind, ENGLISH.search(part), part)
        assert "Evakuering af Sunds" in part and "Oversvømmelse i Herning" in part
    for part in (text, html):
        assert "Åbn den i LBS Register" in part and "Du får denne mail" in part
    assert "https://lbs.example.dk/somewhere/1" in text and 'href="https://lbs.example.dk/somewhere/1"' in html


@pytest.mark.parametrize("kind", list(Kind))
def test_a_mail_caused_by_an_english_api_request_is_danish(app, kind):
    app.config["LBS_BASE_URL"] = "https://lbs.example.dk/"
    with app.test_request_context("/api/v1/incidents/1/proposals", headers={"Accept-Language": "en"}):
        _check(kind)


@pytest.mark.parametrize("kind", list(Kind))
def test_a_mail_rendered_outside_a_request_is_danish(app, kind):
    app.config["LBS_BASE_URL"] = "https://lbs.example.dk"
    _check(kind)


def test_amounts_are_written_the_danish_way(app):
    with app.test_request_context("/api/v1/x"):
        subject, text, _html = render_mail(Kind.COST_LINE, PARAMS[Kind.COST_LINE], "/costs/lines/1")
    assert "300.000" in subject and "300.000" in text and "beslutning 7" in text
