"""The decision form's consultation rows: the outcome has no default and is required once a party is chosen;
the required-consultations panel's buttons carry the form the rule requires."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, select

from lbs.decisions.models import Decision
from lbs.extensions import db
from tests import factories
from tests.decisions.test_web import _demo, _form


def test_outcome_starts_empty_and_is_required_with_a_party(login):
    client = login("politi")
    demo = _demo()
    page = client.get(f"/incidents/{demo.id}/decisions/new").get_data(as_text=True)
    outcome = re.search(r'<select[^>]*name="consultations-0-outcome"[^>]*>(.*?)</select>', page, re.S)
    assert outcome is not None
    assert outcome.group(1).startswith('<option value="">Vælg udfald</option>')
    assert "selected" not in outcome.group(1)  # nothing chosen for the person
    before = db.session.scalar(select(func.count(Decision.id)))
    response = client.post(f"/incidents/{demo.id}/decisions/new", data=_form(**{
        "consultations-0-party": "657:repraesentant", "consultations-0-mode": "consult",
        "consultations-0-outcome": ""}))
    assert response.status_code == 422
    assert "Vælg høringens udfald" in unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Decision.id))) == before


def test_a_row_without_a_party_needs_no_outcome(login):
    client = login("politi")
    demo = _demo()
    response = client.post(f"/incidents/{demo.id}/decisions/new", data=_form(**{
        "consultations-0-party": "", "consultations-0-outcome": ""}))
    assert response.status_code == 302


def test_panel_buttons_carry_the_required_form(login):
    client = login("politi")
    demo = _demo()
    herning = factories.organisation("Herning Kommune").id
    html = client.post(f"/consultation/required/{demo.id}", data=_form(**{
        "staff": "LBS-S", "type": "evacuation", "owner": str(herning), "costs-0-bearer": str(herning),
        "costs-0-category": "emergency_accommodation", "costs-0-estimate": "300.000,00"})).get_data(as_text=True)
    assert 'data-party="657:kommunaldirektoer" data-mode="consult"' in html
    assert 'data-mode="approve"' in html


def test_the_rule_facts_come_first_and_the_panel_beside_the_consultation_rows(login):
    client = login("politi")
    demo = _demo()
    page = client.get(f"/incidents/{demo.id}/decisions/new").get_data(as_text=True)
    essentials_end = page.index("</fieldset>", page.index('name="title"'))
    details = page.index("<details")
    for name in ("urgent", "vulnerable", "statutory_before_grant", "supplementary_grant", "disputed"):
        position = page.index(f'name="{name}"')
        assert position < essentials_end < details, name
        assert f'<label for="{name}">' in page  # labelled
    panel = page.index('id="required-panel"')
    assert page.index('name="costs-0-description"') < panel < page.index('name="consultations-0-party"')


def test_the_panel_reads_every_flag_the_form_asks(login):
    client = login("politi")
    demo = _demo()
    herning = factories.organisation("Herning Kommune").id
    base = _form(**{"staff": "LBS-S", "type": "evacuation", "owner": str(herning), "costs-0-bearer": str(herning),
                    "costs-0-category": "emergency_accommodation", "costs-0-estimate": "1.000,00"})
    plain = client.post(f"/consultation/required/{demo.id}", data=base).get_data(as_text=True)
    flagged = client.post(f"/consultation/required/{demo.id}",
                          data={**base, "statutory_before_grant": "y", "vulnerable": "y"}).get_data(as_text=True)
    assert 'data-party="657:oekonomi"' not in plain and 'data-party="657:oekonomi"' in flagged  # R7
    assert 'data-party="657:socialdirektoer"' not in plain and 'data-party="657:socialdirektoer"' in flagged  # R3b
    response = client.post(f"/incidents/{demo.id}/decisions/new", data={**base, "statutory_before_grant": "y"})
    assert response.status_code == 302
    decision = factories.decisions_of(demo)[-1]
    assert decision.conditions == {"statutory_before_grant": True}
    assert "657:oekonomi" in {r["party"] for r in decision.required_consultations}
