"""Hostile input on the main HTML forms: every invalid submission is refused with a visible error (the form
re-rendered with errors, or a 400 page), never a redirect to success and never a 500, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from lbs.timeutil import to_local, utcnow
from tests.hostile import DROP, SETTINGS, row_counts
from tests.reliability.world import World

pytestmark = pytest.mark.slow

CONTROL = st.sampled_from(["\x00", "\x01", "\x07", "\x0b", "\x1b", "\x7f"])
BAD_LOCAL_TIMES = st.sampled_from([
    "2026-03-29T02:30",  # does not exist in Copenhagen (spring forward)
    "2026-10-25T02:30",  # happens twice (fall back)
    "2026-02-30T10:00", "2026-13-01T10:00", "2026-11-28T25:61", "i går", "0000-01-01T00:00", "9" * 500,
    "2026-11-28T10:00+01:00\x00",
])
BAD_FORM_MONEY = st.sampled_from(["1e3", "-5", "-0,01", "1,234", "1.234,567", "1000000000000", "9" * 40,
                                  "NaN", "Infinity", "abc", "12,50 kr", "0x10", "١٢٣"])
BAD_CHOICE = st.sampled_from(["", "999999999", "2147483648", "-1", "abc", "1\x00", "nonsense", "9" * 300])


def bad_text(max_len: int, *, required: bool) -> st.SearchStrategy[Any]:
    options: list[st.SearchStrategy[Any]] = [
        st.builds(lambda a, c, b: a + c + b, st.text(max_size=10), CONTROL, st.text(max_size=10)),
        st.just("x" * (max_len + 1)),
        st.just("æ" * (max_len + 100)),
    ]
    if required:
        options += [st.just(DROP), st.sampled_from(["", "   "])]
    return st.one_of(*options)


def bad(kind: str, required: bool) -> st.SearchStrategy[Any]:
    drop = [st.just(DROP)] if required else []
    return {
        "name": lambda: bad_text(200, required=required),
        "text": lambda: bad_text(10_000, required=required),
        "time": lambda: st.one_of(BAD_LOCAL_TIMES, *drop),
        "money": lambda: st.one_of(BAD_FORM_MONEY, *drop),
        "choice": lambda: st.one_of(BAD_CHOICE, *drop),
        "int": lambda: st.one_of(st.sampled_from(["-1", "1.5", "abc", "9" * 30, "1e3", "\x00"]), *drop),
    }[kind]()


@dataclass(frozen=True)
class FormCase:
    name: str
    user: str | None
    path: Callable[[World], str]
    valid: Callable[[World], dict[str, str]]
    kinds: dict[str, tuple[str, bool]]


def _local(minutes_ago: int) -> str:
    return to_local(utcnow() - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def _decision(w: World) -> dict[str, str]:
    return {"staff": "LBS-O", "decided_at": _local(1), "decided_by": str(w.person_id), "owner": str(w.herning_id),
            "type": "other", "title": "Formular", "decision": "Besluttet", "rationale": "Fordi",
            "costs-0-bearer": str(w.herning_id), "costs-0-category": "supplies", "costs-0-estimate": "1.250,50"}


CASES = [
    FormCase("sign-in", None, lambda w: "/login", lambda w: {"username": "politi", "password": "demo"},
             {"username": ("name", True), "password": ("name", True)}),
    FormCase("incident", "politi", lambda w: "/incidents",
             lambda w: {"title": "Brand", "kind": "fire", "started_at": _local(60), "municipalities": "657"},
             {"title": ("name", True), "kind": ("choice", True), "started_at": ("time", True),
              "municipalities": ("choice", True), "description": ("text", False)}),
    FormCase("decision", "politi", lambda w: f"/incidents/{w.incident_id}/decisions/new", _decision,
             {"staff": ("choice", True), "decided_at": ("time", True), "decided_by": ("choice", True),
              "owner": ("choice", True), "type": ("choice", True), "title": ("name", True),
              "decision": ("text", True), "rationale": ("text", True), "information": ("text", False),
              "legal_basis": ("text", False), "costs-0-estimate": ("money", True),
              "costs-0-bearer": ("choice", True), "costs-0-category": ("choice", True),
              "costs-0-description": ("text", False), "options-0-text": ("text", False),
              "delay_reason": ("text", False)}),
    FormCase("position", "politi", lambda w: "/staffs/LBS-O/positions/new",
             lambda w: {"title": "Ny plads", "organisation": str(w.herning_id), "min_deputies": "1"},
             {"title": ("name", True), "organisation": ("choice", True), "min_deputies": ("int", False)}),
    FormCase("person", "politi", lambda w: "/staffs/people/new",
             lambda w: {"name": "Ny person", "job_title": "Chef", "organisation": str(w.herning_id),
                        "email": "ny@example.dk", "phone": "+45 12345678"},
             {"name": ("name", True), "job_title": ("name", True), "organisation": ("choice", True),
              "email": ("name", False), "phone": ("name", False)}),
    FormCase("assign", "politi", lambda w: f"/staffs/positions/{w.position_ids[1]}/assign",
             lambda w: {"person": str(w.person_id), "rank": "700", "valid_from": "2033-01-01T08:00",
                        "valid_to": "2033-02-01T08:00"},
             {"person": ("choice", True), "rank": ("int", True), "valid_from": ("time", True),
              "valid_to": ("time", False)}),
    FormCase("cost actual", "herning", lambda w: f"/costs/lines/{w.cost_line_ids[1]}/actual",
             lambda w: {"actual-actual": "1.234,50", "actual-invoice_ref": "F-1", "actual-note": "Faktura"},
             {"actual-actual": ("money", True), "actual-invoice_ref": ("name", False), "actual-note": ("text", False)}),
    FormCase("cost dispute", "herning", lambda w: f"/costs/lines/{w.cost_line_ids[2]}/dispute",
             lambda w: {"dispute-reason": "For høj", "dispute-informed": "Politiet"},
             {"dispute-reason": ("text", True), "dispute-informed": ("text", True)}),
    FormCase("cost accept", "herning", lambda w: f"/costs/lines/{w.cost_line_ids[1]}/accept",
             lambda w: {"accept-actual": "1.000,00", "accept-invoice_ref": "F-2", "accept-note": "OK"},
             {"accept-actual": ("money", False), "accept-invoice_ref": ("name", False),
              "accept-note": ("text", False)}),
]
IDS = [case.name for case in CASES]


def signed_in(app: Flask, user: str | None) -> Any:
    client = app.test_client()
    if user:
        response = client.post("/login", data={"username": user, "password": "demo"})
        assert response.status_code == 302
    return client


@pytest.mark.parametrize("case", CASES, ids=IDS)
@given(data=st.data())
@settings(SETTINGS, max_examples=15)
def test_hostile_form_input_is_refused(world, case, data):
    app, w = world
    form = dict(case.valid(w))
    names = data.draw(st.lists(st.sampled_from(sorted(case.kinds)), min_size=1, max_size=3, unique=True))
    for name in names:
        kind, required = case.kinds[name]
        value = data.draw(bad(kind, required))
        if value is DROP:
            form.pop(name, None)
        else:
            form[name] = value
    client = signed_in(app, case.user)
    with app.app_context():
        before = row_counts()
    response = client.post(case.path(w), data=form)
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 400, 422), (response.status_code, form, body[:300])
    assert "error-summary" in body or "error-text" in body or response.status_code == 400, (form, body[:2000])
    with app.app_context():
        after = row_counts()
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_valid_form_is_accepted(world, case):
    """The hostile test starts from these submissions: each must be accepted, so the test above can fail."""
    app, w = world
    client = signed_in(app, case.user)
    response = client.post(case.path(w), data=case.valid(w))
    assert response.status_code == 302, (case.name, response.get_data(as_text=True)[:3000])

