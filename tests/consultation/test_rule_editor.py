"""The rule editor by choices (Danish labels, kroner thresholds, the JSON only as the advanced view) and its
preview of the stored decisions a change would affect."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lbs.consultation import rule_editor, rules
from lbs.consultation.models import Rule
from lbs.decisions import compliance
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.incidents.models import Incident


def _form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "X7", "name": "Lukninger informerer kommunikation", "description": "", "chosen": "1",
        "kind": "decision", "types": ["closure", "cordon"], "staff": "LBS-S", "municipalities": ["657"],
        "cost_min": "", "cost_max": "", "condition": "{}", "target_role": "kommunikation", "source_role": "",
        "target_party_key": "", "mode": "inform", "timing": "at_once"}
    data.update(changes)
    return data


@pytest.mark.parametrize(("text", "stored"), [
    ("250.000", "250000.00"), ("250000,50", "250000.50"), ("1.234.567,5", "1234567.50"), ("50000", "50000.00"),
    ("t2", "T2"), ("T1", "T1"), ("", None), ("  ", None)])
def test_thresholds_in_kroner_are_read_the_danish_way(text, stored):
    assert rule_editor.threshold_value(text) == stored


@pytest.mark.parametrize("text", ["lots", "-5", "12,345,6", "T3"])
def test_a_threshold_that_is_no_amount_is_refused(text):
    with pytest.raises(ValueError):
        rule_editor.threshold_value(text)


def test_the_choices_set_their_keys_and_keep_the_others():
    base = {"when": "municipal_cost", "min": "T1", "or_flags": ["supplementary_grant"], "types": ["x"]}
    merged = rule_editor.merged_condition(base, {"when": "municipal_cost", "types": [], "staff": "",
                                                 "only_municipalities": [], "min": "T2", "max": "250000.00"})
    assert merged == {"when": "municipal_cost", "or_flags": ["supplementary_grant"], "min": "T2",
                      "max": "250000.00"}
    assert rule_editor.chosen_from({"when": "municipal_cost", "max": "250000.50"})["max"] == "250.000,50"


def test_the_editor_offers_choices_with_danish_labels(app, login):
    page = login("admin").get("/consultation/rules/new").get_data(as_text=True)
    assert 'value="evacuation"> Evakuering</label>' in page and 'value="657"> Herning</label>' in page
    assert '<option value="fire_service">Kommunens beredskab</option>' in page  # words, not the code
    assert "Herning" in page and 'name="municipalities"' in page
    assert '<option value="LBS-O">LBS-O</option>' in page
    assert "<details" in page and "<summary>Avanceret: betingelsen som JSON</summary>" in page
    assert ">LBS-repræsentant, Herning Kommune</option>" in page  # a fixed party by its name


def test_admin_creates_a_rule_by_its_choices(app, login):
    client = login("admin")
    response = client.post("/consultation/rules/new", data={**_form(), "save": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    rule = db.session.scalars(select(Rule).where(Rule.code == "X7")).one()
    assert rule.condition == {"when": "decision", "types": ["closure", "cordon"], "staff": "LBS-S",
                              "only_municipalities": ["657"]}
    assert rule.target_role == "kommunikation" and rule.mode.value == "inform"


def test_thresholds_in_kroner_become_money_strings(app, login):
    client = login("admin")
    response = client.post("/consultation/rules/new", data={**_form(
        code="X8", kind="municipal_cost", types=[], municipalities=[], staff="", cost_min="250.000",
        cost_max="1.000.000,50", target_role="borgmester", mode="approve", timing="before"), "save": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    rule = db.session.scalars(select(Rule).where(Rule.code == "X8")).one()
    assert rule.condition == {"when": "municipal_cost", "min": "250000.00", "max": "1000000.50"}
    again = client.get("/consultation/rules/new?code=X8").get_data(as_text=True)
    assert 'value="250.000,00"' in again and 'value="1.000.000,50"' in again


def test_a_bad_amount_is_a_danish_field_error(app, login):
    response = login("admin").post("/consultation/rules/new", data={**_form(cost_min="mange penge"), "save": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert "Ikke et beløb, fx 250.000 eller 250000,50 (eller T1, T2)." in page
    assert db.session.scalar(select(func.count()).select_from(Rule).where(Rule.code == "X7")) == 0


def test_the_json_as_written_wins_when_asked(app, login):
    response = login("admin").post("/consultation/rules/new", data={**_form(
        condition='{"when": "decision", "types": ["warning"]}', as_written="y"), "save": "1"})
    assert response.status_code == 302
    assert db.session.scalars(select(Rule).where(Rule.code == "X7")).one().condition == {
        "when": "decision", "types": ["warning"]}


def test_editing_a_rule_keeps_the_keys_the_choices_do_not_cover(app, login):
    client = login("admin")
    current = db.session.scalars(select(Rule).where(Rule.valid_to.is_(None))
                                 .where(Rule.condition["when"].as_string() == "incident_total")).first()
    assert current is not None, "the demo rules hold R14 (incident_total)"
    page = client.get(f"/consultation/rules/new?code={current.code}").get_data(as_text=True)
    assert '<option selected value="incident_total">' in page or 'value="incident_total" selected' in page
    assert "share_of_budget" in page  # in the advanced view


def _affected(form_page: str) -> tuple[int, int]:
    found = re.search(r'<p id="preview-count">(\d+) af (\d+) gemte beslutninger', form_page)
    assert found, form_page[-3000:]
    return int(found.group(1)), int(found.group(2))


def test_the_preview_lists_the_decisions_the_change_would_affect(app, login):
    client = login("admin")
    count = db.session.scalar(select(func.count()).select_from(Rule))
    # every decision type, a party no rule names: every stored decision would get a new requirement
    response = client.post("/consultation/rules/new", data={**_form(
        types=[], municipalities=[], staff="", target_role="", target_party_key="forsvaret"), "preview": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Rule)) == count  # nothing saved
    amended = select(Decision.amends_id).where(Decision.amends_id.is_not(None))
    current = db.session.scalar(select(func.count()).select_from(Decision).where(Decision.id.not_in(amended)))
    affected, checked = _affected(page)
    assert checked == current and 0 < affected <= checked
    first = db.session.execute(select(Decision, Incident.title).join(Incident)
                               .where(Decision.id.not_in(amended))
                               .order_by(Decision.incident_id, Decision.number)).first()
    assert first is not None
    decision, incident_title = first
    assert f'<a href="/decisions/{decision.id}">{decision.number}. {decision.title}</a>' in page
    assert incident_title in page and "Forsvaret" in page


def test_the_preview_lists_at_most_the_bound(app):
    data = rules.RuleInput(code="X6", name="Alle informerer Forsvaret", condition={"when": "decision"},
                           mode="inform", timing="at_once", target_party_key="forsvaret")
    summary = rules.preview_affected(data=data, subjects=compliance.preview_subjects, listed=2)
    assert summary.affected >= len(summary.rows) and len(summary.rows) <= 2
    assert summary.checked >= summary.affected
    assert all(row.added for row in summary.rows)
    narrower = rules.preview_affected(data=rules.RuleInput(
        code="X6", name="Ingen", condition={"when": "decision", "types": ["stand_down"],
                                            "only_municipalities": ["000"]},
        mode="inform", timing="at_once", target_party_key="forsvaret"), subjects=compliance.preview_subjects)
    assert narrower.affected == 0 and narrower.rows == [] and narrower.checked == summary.checked
