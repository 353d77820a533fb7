"""Answering a consultation request in the browser: keyboard only, at a phone's width (390 px), and without
serious accessibility violations on the landing section, the list and the request page (form, error, answer)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from lbs.auth.models import User
from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.hearing import proposals, reads
from lbs.incidents.models import Incident
from tests.e2e.conftest import LiveServer
from tests.e2e.test_accessibility import _scan_once
from tests.e2e.test_keyboard import keyboard_sign_in, named, press_and_wait, tab_to, text
from tests.e2e.test_layouts import OVERFLOW
from tests.hearing.conftest import proposal_body

PHONE = {"width": 390, "height": 844}
TITLE = "Evakuering af Gjellerup"


def _propose(server: LiveServer) -> int:
    """A proposal on the demo incident, committed; the id of Herning's kommunaldirektør's request."""
    with server.app.app_context():
        incident = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
        politi = db.session.scalars(select(User).where(User.username == "politi")).one()
        made = proposals.propose(incident=incident, data=proposal_body(title=TITLE), by=politi)
        db.session.commit()
        found = next(r.id for r in reads.requests_of_proposal(made.id) if r.party.key == "657:kommunaldirektoer")
        db.session.remove()
        return found


def _check_page(page: Any, problems: list[str]) -> None:
    problems.extend(_scan_once(page))
    overflow = page.evaluate(OVERFLOW)
    if overflow["page"] > 0 or overflow["out"]:
        problems.append(f"{page.url}: wider than 390 px by {overflow['page']}px; {overflow['out']}")


def test_herning_answers_by_keyboard_at_phone_width(page, live_server):
    request_id = _propose(live_server)
    page.set_viewport_size(PHONE)
    keyboard_sign_in(page, live_server, "herning")
    problems: list[str] = []
    expect(page.get_by_role("heading", name="Høringer, der venter på svar")).to_be_visible()
    _check_page(page, problems)
    tab_to(page, lambda i: i["href"] == "/consultation-requests")  # the navigation entry with its count
    press_and_wait(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Høringer")
    _check_page(page, problems)
    tab_to(page, lambda i: i["href"] == f"/consultation-requests/{request_id}")
    press_and_wait(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.get_by_text("300.000,00\u00a0kr.")).to_be_visible()
    _check_page(page, problems)

    # "Enig med forbehold" without a comment: the error summary takes focus and links to the comment.
    first = tab_to(page, named("outcome"))
    assert first["value"] == "agreed"
    page.keyboard.press("ArrowDown")  # moves and checks the next radio button
    assert page.evaluate("document.activeElement.value") == "agreed_with_reservation"
    tab_to(page, text(r"^Send svar$"))
    press_and_wait(page)
    assert page.evaluate("document.activeElement.id") == "error-summary"
    expect(page.locator("#comment-error")).to_have_text(
        "Skriv en kommentar: den er påkrævet ved forbehold eller indsigelse.")
    _check_page(page, problems)

    tab_to(page, named("comment"))
    page.keyboard.type("Kun busser fra Midttrafik.")
    tab_to(page, text(r"^Send svar$"))
    press_and_wait(page)
    expect(page.get_by_text("Besvaret af")).to_be_visible()
    expect(page.get_by_text("Kun busser fra Midttrafik.")).to_be_visible()
    expect(page.locator(".answer-given")).to_have_text("Enig med forbehold")
    expect(page.locator("form.answer-form")).to_have_count(0)
    _check_page(page, problems)
    assert not problems, "\n".join(problems)
