"""The consultation graph page in a browser (highlighting a decision's rule paths), and the required panel's
script driving a decision-form-shaped form (the decision form itself comes from the decision log)."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from lbs.extensions import db
from lbs.incidents.models import Incident, IncidentKind
from lbs.organisations.models import Municipality
from lbs.timeutil import utcnow
from tests.e2e.conftest import sign_in


def test_graph_page_renders_and_highlights_the_path(page, live_server):
    sign_in(page, live_server, "politi")
    page.get_by_role("link", name="Høringsgraf").or_(page.get_by_role("link", name="Consultation graph")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("graf")
    expect(page.locator("svg.rule-graph")).to_be_visible()
    # One municipality by default (issue 24); the whole graph is one click away.
    assert 20 < page.locator("svg.rule-graph g.node").count() <= 50
    page.get_by_role("link", name="Vis hele grafen").click()
    expect(page.locator(".graph-focus")).to_contain_text("hele grafen, alle kommuner")
    assert page.locator("svg.rule-graph g.node").count() > 50
    assert page.locator("svg.rule-graph path.edge-highlighted").count() == 0

    why = page.get_by_role("form", name="Hvorfor? Forklar en beslutning")
    why.get_by_label("Beslutningstype").select_option("evacuation")
    why.get_by_label("Kommune", exact=True).select_option("657")
    why.get_by_label("Kommunal udgift (kr.)").fill("300.000,00")
    why.get_by_role("button", name="Forklar").click()

    lit = page.locator("svg.rule-graph path.edge-highlighted")
    expect(lit).to_have_count(6)
    rules = sorted(lit.nth(i).get_attribute("data-rule") or "" for i in range(6))
    assert rules == ["R2", "R2b", "R2c", "R6", "R6b", "R6c"]
    expect(page.locator("svg.rule-graph g.node-highlighted", has_text="Borgmester, Herning")).to_have_count(1)
    table = page.get_by_role("table", name="Krævede parter og regelstien")
    expect(table.get_by_role("row", name="Byrådet, Herning Kommune")).to_contain_text("R6 → R6b → R6c")
    # Printable: the graph keeps its legend and text labels in print media.
    page.emulate_media(media="print")
    expect(page.locator("svg.rule-graph")).to_be_visible()
    expect(page.locator(".graph-legend")).to_be_visible()


def test_required_panel_script_updates_and_fills_a_row(page, live_server):
    with live_server.app.app_context():
        herning = db.session.get(Municipality, "657")
        assert herning is not None
        incident = Incident(title="E2E panel", kind=IncidentKind.FLOOD, started_at=utcnow() - timedelta(hours=2))
        incident.municipalities = [herning]
        db.session.add(incident)
        db.session.commit()
        incident_id, herning_org = incident.id, herning.organisation_id
        db.session.remove()
    sign_in(page, live_server, "politi")
    page.goto(live_server.url + "/consultation/")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    # A form shaped like the decision log's decision form (built through the DOM: no inline script).
    page.evaluate(
        """([url, token, owner]) => {
          const form = document.createElement('form');
          form.id = 'decision-form';
          form.innerHTML = `
            <input type="hidden" name="csrf_token" value="${token}">
            <label for="type">Type</label>
            <select id="type" name="type"><option value="cordon">cordon</option>
              <option value="evacuation">evacuation</option></select>
            <input name="staff" value="LBS-S"><input name="owner" value="${owner}">
            <input name="costs-0-bearer" value="${owner}">
            <input name="costs-0-category" value="emergency_accommodation">
            <label for="est">Estimate</label><input id="est" name="costs-0-estimate" value="">
            <fieldset class="consultation-row"><input name="consultations-0-party" value="">
              <input name="consultations-0-consulted_at" value=""></fieldset>
            <div id="required-panel" data-panel-url="${url}"></div>`;
          document.querySelector('main').appendChild(form);
        }""",
        [f"/consultation/required/{incident_id}", token, str(herning_org)],
    )
    page.add_script_tag(url="/static/js/consultation-panel.js")
    panel = page.locator("#required-panel")
    expect(panel).to_have_attribute("aria-live", "polite")
    expect(panel).to_contain_text("Reglerne kræver ingen høring")
    page.locator("#type").select_option("evacuation")
    page.locator("#est").fill("300.000,00")
    expect(panel.locator("li[data-party='657:borgmester']")).to_be_visible()
    expect(panel.locator("li[data-party='657:kommunaldirektoer']")).to_be_visible()
    panel.locator("button.panel-add[data-party='657:kommunaldirektoer']").click()
    expect(page.locator("[name='consultations-0-party']")).to_have_value("657:kommunaldirektoer")
    panel.locator("button.panel-add[data-party='657:borgmester']").click()
    expect(page.locator("[name='consultations-1-party']")).to_have_value("657:borgmester")
    expect(panel.locator("li[data-party='657:borgmester']")).to_contain_text("Høring registreret")
