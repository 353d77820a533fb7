"""The graph page focused (issue 24): one municipality by default (a municipality user's own), the rules a
decision used with ``?decision=``, the whole graph one click away; nothing drawn outside the picture."""

from __future__ import annotations

import re

from lbs.consultation import layout, ruleset
from lbs.organisations import services as organisations
from tests import factories

NODE_MUNICIPALITY = re.compile(r'data-node="party:(\d{3}):')


def _municipalities_drawn(html: str) -> set[str]:
    return set(NODE_MUNICIPALITY.findall(html))


def test_a_municipality_user_sees_their_own_municipality(app, login):
    html = login("herning").get("/consultation/").get_data(as_text=True)
    assert _municipalities_drawn(html) == {"657"}
    assert "Vist: reglerne for Herning." in html
    assert 'href="/consultation/?all=1"' in html  # the whole graph one click away


def test_others_see_the_first_municipality_or_the_one_chosen(app, login):
    client = login("revisor")
    first = organisations.list_municipalities()[0]
    assert _municipalities_drawn(client.get("/consultation/").get_data(as_text=True)) == {first.code}
    assert _municipalities_drawn(client.get("/consultation/?municipality=787").get_data(as_text=True)) == {"787"}


def test_the_whole_graph_one_click_away(app, login):
    client = login("revisor")
    whole = client.get("/consultation/?all=1").get_data(as_text=True)
    assert len(_municipalities_drawn(whole)) > 1
    assert "Vist: hele grafen, alle kommuner." in whole and "Vis én kommune" in whole
    # "All municipalities" in the filter form is the whole graph too.
    assert _municipalities_drawn(client.get("/consultation/?municipality=").get_data(as_text=True)) \
        == _municipalities_drawn(whole)


def test_a_decision_shows_only_the_rules_it_used(app, login):
    inc = factories.incident()
    d = factories.decision(inc, number=1, type="warning")
    client = login("politi")
    html = client.get(f"/consultation/?decision={d.id}").get_data(as_text=True)
    nodes = re.findall(r'<g class="node([^"]*)" data-node="([^"]+)"', html)
    assert nodes and all("node-highlighted" in css for css, _ in nodes), nodes
    assert "Vist: kun de regler, denne beslutning brugte." in html
    assert 'data-rule="R11"' in html
    whole = client.get(f"/consultation/?decision={d.id}&all=1").get_data(as_text=True)
    assert len(re.findall(r'<g class="node', whole)) > len(nodes)
    assert 'edge-highlighted" marker-end' in whole  # the decision's paths stay lit in the whole graph
    # The table alternative lists the same edges as the picture.
    drawn = re.findall(r'<path d="[^"]*" class="edge[^"]*" marker-end="[^"]*" data-rule="([^"]+)"', html)
    table = html.split("edges-caption")[-1]
    listed = re.findall(r'<tr(?: class="row-highlighted")?><th scope="row">([^<]+)</th>', table)
    assert drawn and sorted(drawn) == sorted(listed)


def test_nothing_is_drawn_outside_the_picture(app):
    drawing = layout.layered(ruleset.rule_graph())
    assert all(n.x + layout.NODE_WIDTH <= drawing.width for n in drawing.nodes)
    for edge in drawing.edges:
        xs = [float(v) for v in re.findall(r"(-?\d+(?:\.\d+)?) -?\d+(?:\.\d+)?", edge.d.replace(",", ""))]
        assert xs and max(xs) <= drawing.width, (edge.rule, edge.d, drawing.width)
