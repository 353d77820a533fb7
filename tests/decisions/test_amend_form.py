"""The amendment form starts from the current version (every field, its live cost lines and consultations);
rows left as filled in supersede nothing (a settled line does not stand in the way), changed ones supersede
the live lines unless one is settled (form error, nothing written). A superseded decision's page links to the
current version and offers no amendment; its amendment form sends the person there."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

from sqlalchemy import func, select

from lbs.decisions.models import CostLine, CostStatus, Decision
from lbs.extensions import db
from tests import factories
from tests.decisions.test_web import _demo


class _Fields(HTMLParser):
    """The values a browser would send for the page's decision form (inputs, checkboxes, selects, textareas)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and name != "csrf_token":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[name] = a.get("value") or "y"
            else:
                self.values[name] = a.get("value", "")
        elif tag == "select":
            self._select, self._first = name, None
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = a.get("value", "")
                self.values.setdefault(self._select, self._first)
            if "selected" in a:
                self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            text = self.values[self._textarea] + data
            self.values[self._textarea] = text.removeprefix("\r\n").removeprefix("\n")


def _prefilled(client, decision: Decision) -> dict[str, str]:
    page = client.get(f"/decisions/{decision.id}/amend")
    assert page.status_code == 200
    parser = _Fields()
    parser.feed(page.get_data(as_text=True))
    return parser.values


def _nørregade() -> Decision:
    return factories.decisions_of(_demo())[1]


def _count() -> int:
    return db.session.scalar(select(func.count(Decision.id)))


def test_the_form_starts_from_the_current_version(login):
    client = login("politi")
    original = _nørregade()
    values = _prefilled(client, original)
    assert values["title"] == original.title and values["rationale"] == original.rationale
    assert values["decided_at"] and values["decided_by"] == str(original.decided_by_id)
    assert values["information"] == original.information and values["legal_basis"] == original.legal_basis
    assert values["options-1-text"] == "Anbefalet evakuering" and values["options-1-chosen"] == "y"
    herning = factories.organisation("Herning Kommune").id
    assert [values[f"costs-{i}-estimate"] for i in range(3)] == ["100.000,00", "50.000,00", "25.000,00"]
    assert values["costs-0-bearer"] == str(herning) and values["costs-0-category"] == "emergency_accommodation"
    assert values["costs-1-description"] == "Forplejning, 40–60 t.kr."
    parties = [values[f"consultations-{i}-party"] for i in range(4)]
    assert parties == ["657:repraesentant", "brand:bmv", "657:kommunaldirektoer", "657:oekonomi"]
    assert values["consultations-2-mode"] == "approve" and values["consultations-2-outcome"] == "agreed"
    assert values["reason"] == ""


def test_unchanged_cost_rows_supersede_nothing_even_when_settled(login):
    client = login("politi")
    original = _nørregade()
    lines = list(db.session.scalars(select(CostLine).where(CostLine.decision_id == original.id)))
    lines[0].status = CostStatus.SETTLED
    db.session.flush()
    values = _prefilled(client, original)
    response = client.post(f"/decisions/{original.id}/amend",
                           data={**values, "title": "Evakuering af Nørregade (rettet)", "reason": "Titlen præciseret"})
    assert response.status_code == 302, unescape(response.get_data(as_text=True))[:3000]
    amendment = factories.decisions_of(_demo())[-1]
    assert amendment.amends_id == original.id and amendment.title.endswith("(rettet)")
    assert db.session.scalars(select(CostLine).where(CostLine.decision_id == amendment.id)).all() == []
    for line in lines:
        db.session.refresh(line)
        assert line.superseded_by_id is None
    page = unescape(client.get(f"/decisions/{amendment.id}").get_data(as_text=True))
    assert "Begrundelse for ændringen" in page and "Titlen præciseret" in page
    assert "Begrundelse for sen registrering" not in page


def test_changed_cost_rows_cannot_supersede_a_settled_line(login):
    client = login("politi")
    original = _nørregade()
    line = db.session.scalars(select(CostLine).where(CostLine.decision_id == original.id)
                              .order_by(CostLine.id)).first()
    line.status = CostStatus.SETTLED
    db.session.flush()
    values = _prefilled(client, original)
    before = _count()
    response = client.post(f"/decisions/{original.id}/amend",
                           data={**values, "costs-2-estimate": "30.000,00", "reason": "Flere busser"})
    assert response.status_code == 422
    assert "En afregnet omkostningslinje kan ikke erstattes" in unescape(response.get_data(as_text=True))
    assert _count() == before
    db.session.refresh(line)
    assert line.superseded_by_id is None


def test_changed_cost_rows_supersede_the_live_lines(login):
    client = login("politi")
    original = _nørregade()
    values = _prefilled(client, original)
    response = client.post(f"/decisions/{original.id}/amend",
                           data={**values, "costs-2-estimate": "30.000,00", "reason": "Flere busser"})
    assert response.status_code == 302
    amendment = factories.decisions_of(_demo())[-1]
    own = db.session.scalars(select(CostLine.estimate_dkk).where(CostLine.decision_id == amendment.id)
                             .order_by(CostLine.id)).all()
    assert [str(v) for v in own] == ["100000.00", "50000.00", "30000.00"]
    old = db.session.scalars(select(CostLine.superseded_by_id).where(CostLine.decision_id == original.id)).all()
    assert old == [amendment.id] * 3


def test_a_superseded_decision_links_to_the_current_version(login):
    client = login("politi")
    original = _nørregade()
    values = _prefilled(client, original)
    assert client.post(f"/decisions/{original.id}/amend",
                       data={**values, "reason": "Første rettelse"}).status_code == 302
    second = factories.decisions_of(_demo())[-1]
    values = _prefilled(client, second)
    assert client.post(f"/decisions/{second.id}/amend",
                       data={**values, "reason": "Anden rettelse"}).status_code == 302
    third = factories.decisions_of(_demo())[-1]

    page = unescape(client.get(f"/decisions/{original.id}").get_data(as_text=True))
    assert "Ret denne beslutning" not in page and f"/decisions/{original.id}/amend" not in page
    assert "Denne beslutning er ændret; den gældende version er" in page
    assert f'href="/decisions/{third.id}">beslutning {third.number}</a>' in page
    current = unescape(client.get(f"/decisions/{third.id}").get_data(as_text=True))
    assert "Ret denne beslutning" in current and "Denne beslutning er ændret" not in current
    assert f"Ændrer <a href=\"/decisions/{second.id}\">beslutning {second.number}</a>" in current

    before = _count()
    refused = client.post(f"/decisions/{original.id}/amend", data={**values, "reason": "Gaffel"})
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/decisions/{original.id}")
    assert client.get(f"/decisions/{original.id}/amend").status_code == 302
    assert _count() == before
    shown = unescape(client.get(f"/decisions/{original.id}").get_data(as_text=True))
    assert f"kun den gældende version, beslutning {third.number}, kan rettes" in shown


def test_conditions_the_form_does_not_ask_are_kept(login):
    client = login("politi")
    pumps = factories.decisions_of(_demo())[3]
    assert pumps.conditions.get("assisting_organisation_ids")
    values = _prefilled(client, pumps)
    assert "vulnerable" not in values
    response = client.post(f"/decisions/{pumps.id}/amend", data={**values, "vulnerable": "y", "reason": "Plejehjem"})
    assert response.status_code == 302
    amendment = factories.decisions_of(_demo())[-1]
    assert amendment.conditions == {**pumps.conditions, "vulnerable": True}
