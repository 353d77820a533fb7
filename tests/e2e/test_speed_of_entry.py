"""A decision logged in seconds: the shortest path through the decision form is at most 8 inputs, and nothing
typed is lost when validation fails."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.incidents.models import Incident
from tests.e2e.conftest import sign_in

MAX_INPUTS = 8

# Controls the user must fill: required, and empty (no default) when the form opens.
MUST_FILL = """() => Array.from(document.querySelectorAll("form.decision-form [name]"))
  .filter(el => el.type !== "hidden" && el.required && !el.value)
  .map(el => [el.name, el.tagName.toLowerCase()])"""


def _new_decision_url(live_server) -> str:
    with live_server.app.app_context():
        incident = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
        return f"{live_server.url}/incidents/{incident.id}/decisions/new"


def test_a_plain_decision_needs_at_most_eight_inputs(page, live_server):
    sign_in(page, live_server, "politi")
    page.goto(_new_decision_url(live_server))
    must = page.evaluate(MUST_FILL)
    assert 0 < len(must) <= MAX_INPUTS, f"{len(must)} inputs to fill on the shortest path: {must}"

    # Filling exactly those inputs is enough: the shortest path really saves a decision.
    for name, tag in must:
        control = page.locator(f"form.decision-form [name='{name}']")
        if tag == "select":
            control.select_option(index=1)
        else:
            control.fill(f"Kort {name}")
    page.get_by_role("button", name="Registrér beslutning").click()
    expect(page.locator(".flashes")).to_contain_text("er registreret")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kort title")


def test_the_form_keeps_what_was_typed_when_validation_fails(page, live_server):
    sign_in(page, live_server, "politi")
    page.goto(_new_decision_url(live_server))
    form = page.locator("form.decision-form")
    form.locator("[name=staff]").select_option("LBS-S")
    form.locator("[name=decided_by]").select_option(label="Politidirektør")
    form.locator("[name=type]").select_option("cordon")
    # Owner left out on purpose: the form fails validation.
    typed = {
        "title": "Afspærring af Bredgade",
        "decision": "Bredgade afspærres mellem Torvet og Østergade.",
        "rationale": "Risiko for nedstyrtende facadeelementer.",
        "information": "Brand & Redning melder revner i facaden.",
        "legal_basis": "Politiloven § 5",
        "costs-0-estimate": "12.500,50",
        "costs-0-description": "Hegn og skilte",
        "consultations-0-note": "Orienteret pr. telefon",
    }
    page.locator("details summary").first.press("Enter")  # open the optional part to type into it
    for name, value in typed.items():
        form.locator(f"[name='{name}']").fill(value)
    form.locator("[name='costs-0-bearer']").select_option(label="Herning Kommune")
    form.locator("[name='costs-0-category']").select_option(index=1)
    form.locator("[name='urgent']").check()
    decided_at = form.locator("[name=decided_at]").input_value()

    page.get_by_role("button", name="Registrér beslutning").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-summary")).to_be_focused()
    form = page.locator("form.decision-form")
    for name, value in typed.items():
        assert form.locator(f"[name='{name}']").input_value() == value, name
    assert form.locator("[name=staff]").input_value() == "LBS-S"
    assert form.locator("[name=type]").input_value() == "cordon"
    assert form.locator("[name=decided_by] option:checked").inner_text() .startswith("Politidirektør")
    assert form.locator("[name='costs-0-bearer'] option:checked").inner_text() == "Herning Kommune"
    assert form.locator("[name=urgent]").is_checked()
    assert form.locator("[name=decided_at]").input_value() == decided_at
    assert form.locator("[name=owner]").get_attribute("aria-invalid") == "true"
