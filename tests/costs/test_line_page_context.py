"""A cost line's page says where the line comes from and where it stands: its decision (number, title, link), its
incident (link), its amendment state, a meaningful title without a description, the variance explained, and its
history as sentences with labels and local times in the reader's language."""

from __future__ import annotations

import html

from sqlalchemy import select

from lbs.costs.models import CostChange
from lbs.extensions import db
from lbs.timeutil import to_local
from tests import factories as f


def _line(title: str = "Evakuering af Nørregade", description: str | None = None):
    inc = f.incident("Linjesidens hændelse")
    cost = {"bearer": "657", "category": "catering", "estimate": "1000"}
    if description:
        cost["description"] = description
    decision = f.decision_with_costs(inc, [cost], title=title)
    db.session.commit()
    return inc, decision, decision.test_lines[0]


def _page(client, line_id: int) -> str:
    response = client.get(f"/costs/lines/{line_id}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_line_names_its_decision_and_incident(app, login):
    inc, decision, line = _line()
    page = _page(login("herning"), line.id)
    assert f'href="/decisions/{decision.id}"' in page
    assert f"Nr. {decision.number}: Evakuering af Nørregade" in page
    assert f'href="/incidents/{inc.id}"' in page and "Linjesidens hændelse" in page
    assert "Ikke ændret" in page


def test_a_line_without_a_description_is_named_by_category_and_decision(app, login):
    _inc, decision, line = _line()
    page = _page(login("herning"), line.id)
    name = f"Forplejning af evakuerede, beslutning nr. {decision.number}"
    assert f"<title>{name}" in page and f"<h1>{name}</h1>" in page
    assert "Omkostningslinje" not in page
    ledger = _page(login("revisor"), line.id)
    assert name in ledger


def test_the_ledger_names_untitled_lines_alike(app, login):
    inc, decision, _line_row = _line()
    ledger = html.unescape(login("revisor").get(f"/costs/incidents/{inc.id}").get_data(as_text=True))
    assert f"Forplejning af evakuerede, beslutning nr. {decision.number}" in ledger
    assert "Omkostningslinje" not in ledger


def test_a_described_line_keeps_its_description_as_title(app, login):
    _inc, _decision, line = _line(description="Sandwich til evakuerede")
    assert "<h1>Sandwich til evakuerede</h1>" in _page(login("herning"), line.id)


def test_a_superseded_line_names_and_links_the_amendment(app, login):
    inc, decision, line = _line()
    amendment = f.decision_with_costs(inc, [{"bearer": "657", "category": "catering", "estimate": "2000"}],
                                      title="Flere sandwich", amends_id=decision.id)
    line.superseded_by_id = amendment.id
    db.session.commit()
    page = _page(login("herning"), line.id)
    assert f"Linjen er erstattet af ændring nr. {amendment.number} og tælles ikke med i nogen total." in page
    assert f'href="/decisions/{amendment.id}"' in page
    assert f"Se ændring nr. {amendment.number}: Flere sandwich" in page
    assert f"Erstattet af ændring nr. {amendment.number}, registreret af" in page  # its history's last entry


def test_an_amendment_without_costs_leaves_the_line_counting(app, login):
    inc, decision, line = _line()
    amendment = f.decision_with_costs(inc, [], title="Kun ny tekst", amends_id=decision.id)
    db.session.commit()
    page = _page(login("herning"), line.id)
    assert "Beslutningen er ændret uden nye omkostninger: linjen tæller stadig med." in page
    assert f'href="/decisions/{amendment.id}"' in page and "Ændret ved" in page
    assert "Linjen er erstattet" not in page


def test_the_variance_is_explained(app, login):
    inc, _decision, line = _line()
    herning = login("herning")
    explained = "det faktiske beløb minus estimatet for samme linje"
    assert explained in _page(herning, line.id)
    assert explained in html.unescape(herning.get("/costs/").get_data(as_text=True))
    ledger = html.unescape(herning.get(f"/costs/incidents/{inc.id}").get_data(as_text=True))
    assert explained in ledger and "ikke ser ud som besparelser" in ledger
    assert explained in html.unescape(login("revisor").get("/costs/").get_data(as_text=True))  # the overview


def test_the_history_reads_as_danish_sentences_in_local_time(app, login):
    _inc, _decision, line = _line()
    herning = login("herning")
    assert herning.post(f"/costs/lines/{line.id}/actual", data={"actual-actual": "1.250,50"}).status_code == 302
    assert herning.post(f"/costs/lines/{line.id}/dispute", data={
        "dispute-reason": "Regionen bør bære", "dispute-informed": "LBS-formanden"}).status_code == 302
    changes = db.session.scalars(select(CostChange).where(CostChange.cost_line_id == line.id)).all()
    at = to_local(changes[-1].at).strftime("%d.%m.%Y %H:%M")
    page = _page(herning, line.id)
    assert f"Status ændret fra <em>Estimeret</em> til <em>Omtvistet</em> af herning, {at}" in page
    assert "Faktisk beløb sat til <em>1.250,50\u00a0kr.</em> af herning" in page
    assert "Orienteret om tvisten: <em>LBS-formanden</em> (noteret af herning" in page
    assert "Note sat til <em>Regionen bør bære</em>" in page
    for raw in ("estimated → disputed", "actual_dkk", "+00:00", ">status<"):
        assert raw not in page
    raw_page = herning.get(f"/costs/lines/{line.id}").get_data(as_text=True)
    assert "<em>Estimeret</em>" in raw_page and "&lt;em&gt;" not in raw_page  # emphasis, not escaped markup


def test_user_text_in_the_history_is_escaped(app, login):
    _inc, _decision, line = _line()
    herning = login("herning")
    herning.post(f"/costs/lines/{line.id}/actual", data={"actual-actual": "1", "actual-note": "<b>fed</b>"})
    raw_page = herning.get(f"/costs/lines/{line.id}").get_data(as_text=True)
    assert "<b>fed</b>" not in raw_page and "<em>&lt;b&gt;fed&lt;/b&gt;</em>" in raw_page


def test_the_history_follows_the_readers_language(app, login):
    _inc, _decision, line = _line()
    herning = login("herning")
    herning.post(f"/costs/lines/{line.id}/dispute", data={"dispute-reason": "Nej", "dispute-informed": "LBS"})
    herning.post("/language", data={"lang": "en", "next": f"/costs/lines/{line.id}"})
    page = _page(herning, line.id)
    assert "Status changed from <em>Estimated</em> to <em>Disputed</em> by herning" in page
    assert "Catering for evacuees, decision no." in page


def test_a_budget_note_reads_with_its_labels(app, login):
    _inc, _decision, line = _line()
    herning = login("herning")
    noted = herning.post(f"/costs/lines/{line.id}/budget-note", data={
        "budget-budget_note": "statutory_grant_to_follow", "budget-council_meeting_on": "2026-12-15"})
    assert noted.status_code == 302
    page = _page(herning, line.id)
    assert "Budgetnote ændret fra <em>Ingen budgetnote</em> til" in page
    assert "Byrådsmøde sat til <em>15.12.2026</em>" in page
    assert "statutory_grant_to_follow</" not in page
