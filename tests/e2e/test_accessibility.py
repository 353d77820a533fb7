"""axe-core scan of every page: signed out, and for each role every page reachable by links from the
front page (so each new page is scanned without touching this test). No serious or critical violation."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from lbs.decisions.models import CostLine, CostStatus, Decision
from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.organisations.models import Municipality
from lbs.staffs.models import Assignment, Person, Position
from tests.e2e.conftest import sign_in
from tests.e2e.test_layouts import OVERFLOW

AXE = Axe()
SKIP = re.compile(r"(\.(csv|xlsx|json|zip|pdf|svg)$)|^/api/|^/logout|^/static/|/export|/download")
PER_ROLE = 30
# Structure rules that axe rates "moderate" but this register enforces all the same (WCAG 1.3.1, 2.4.6).
ALWAYS = {"heading-order", "page-has-heading-one", "landmark-one-main", "region", "empty-heading",
          "empty-table-header", "landmark-unique", "duplicate-id", "duplicate-id-aria"}
# Tables: a caption, and every header cell with a scope.
TABLE_PROBLEMS = """() => Array.from(document.querySelectorAll("main table")).flatMap((table, i) => {
  const problems = [];
  if (!table.querySelector(":scope > caption") || !table.caption.textContent.trim()) {
    problems.push("table " + (i + 1) + " has no caption");
  }
  table.querySelectorAll("th:not([scope])").forEach(th => problems.push(
    "table " + (i + 1) + ": header '" + th.textContent.trim().slice(0, 40) + "' has no scope"));
  return problems;
})"""
# A phone and a desktop (issue 24): every page is scanned at both sizes (colour contrast and hidden content change
# with layout); on the phone no page may scroll sideways but inside a table's own scrolling region.
VIEWPORTS = ({"width": 390, "height": 844}, {"width": 1280, "height": 800})


def _pattern(path: str) -> str:
    """Pages that differ only by ids are one kind of page: scan one of each."""
    return re.sub(r"\d+", "N", path)


def scan(page) -> list[str]:
    """Scan the page at each viewport size; the problems name the size."""
    problems: list[str] = []
    for size in VIEWPORTS:
        page.set_viewport_size(size)
        problems.extend(f"{size['width']}px {p}" for p in _scan_once(page))
        if size["width"] < 600:
            wider = page.evaluate(OVERFLOW)
            if wider["page"] > 0 or wider["out"]:
                problems.append(f"{size['width']}px {page.url}: scrolls sideways by {wider['page']}px: {wider['out']}")
    problems.extend(f"{page.url}: {p}" for p in page.evaluate(TABLE_PROBLEMS))
    return sorted(set(problems))


def _scan_once(page) -> list[str]:
    results = AXE.run(page, options={"resultTypes": ["violations"], "runOnly": ["wcag2a", "wcag2aa", "wcag21a",
                                                                                "wcag21aa", "best-practice"]})
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical") or violation["id"] in ALWAYS:
            targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:3])
            problems.append(f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']} [{targets}]")
    return problems


def crawl(page, base: str, start: str) -> list[str]:
    seen_patterns: set[str] = set()
    queue = [start]
    visited: list[str] = []
    problems: list[str] = []
    while queue and len(visited) < PER_ROLE:
        path = queue.pop(0)
        if _pattern(path) in seen_patterns:
            continue
        seen_patterns.add(_pattern(path))
        response = page.goto(base + path)
        assert response is not None and response.status < 500, f"{path}: {response and response.status}"
        if response.status >= 400 or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited.append(path)
        problems.extend(scan(page))
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urlparse(urljoin(base + path, href))
            if target.netloc != urlparse(base).netloc:
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if not SKIP.search(target.path) and _pattern(link) not in seen_patterns:
                queue.append(link)
    assert visited, "nothing was scanned"
    return problems


@pytest.fixture
def csp_free_page(browser):
    # axe is injected through the DevTools protocol; the app's strict CSP stays on for the app's own scripts.
    context = browser.new_context(bypass_csp=True, viewport=VIEWPORTS[0])
    page = context.new_page()
    yield page
    context.close()


def test_signed_out_pages(csp_free_page, live_server):
    problems = []
    for path in ("/login", "/accessibility"):
        csp_free_page.goto(live_server.url + path)
        problems.extend(scan(csp_free_page))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("username", ["politi", "herning", "revisor", "admin"])
def test_every_page_for_each_role(csp_free_page, live_server, username):
    sign_in(csp_free_page, live_server, username)
    problems = crawl(csp_free_page, live_server.url, "/")
    assert not problems, "\n".join(problems)


def test_the_scan_finds_real_violations(csp_free_page):
    """Guard: the scanner reports serious problems (an unlabeled field, an image without text), skipped heading
    levels, and tables without caption or header scope."""
    csp_free_page.set_content('<html lang="da"><head><title>t</title></head><body><main><h1>t</h1><h3>x</h3>'
                              '<input type="text"><img src="data:image/png;base64,iVBORw0KGgo=">'
                              '<table><tr><th>a</th></tr><tr><td>1</td></tr></table></main></body></html>')
    problems = scan(csp_free_page)
    assert any("label" in p for p in problems) and any("image-alt" in p for p in problems), problems
    assert any("heading-order" in p for p in problems), problems
    assert any("has no caption" in p for p in problems) and any("has no scope" in p for p in problems), problems
    assert any(p.startswith("1280px") for p in problems) and any(p.startswith("390px") for p in problems)


# --- Pages the link crawler cannot reach: behind forms, queries, POST results and form errors -------------------

def _demo_paths(app) -> dict[str, str]:
    """Paths to real objects in the seeded demo district."""
    with app.app_context():
        incident = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
        decision = db.session.scalars(select(Decision).where(Decision.incident_id == incident.id)
                                      .order_by(Decision.id)).first()
        herning = db.session.scalars(select(Municipality).where(Municipality.code == "657")).one()
        open_line = db.session.scalars(select(CostLine).where(
            CostLine.bearer_id == herning.organisation_id, CostLine.status == CostStatus.ESTIMATED,
            CostLine.superseded_by_id.is_(None)).order_by(CostLine.id)).first()
        any_line = db.session.scalars(select(CostLine).order_by(CostLine.id)).first()
        position = db.session.scalars(select(Position).order_by(Position.id)).first()
        assignment = db.session.scalars(select(Assignment).order_by(Assignment.id)).first()
        person = db.session.scalars(select(Person).order_by(Person.id)).first()
        assert decision and open_line and any_line and position and assignment and person
        return {
            "incident": f"/incidents/{incident.id}", "decision": f"/decisions/{decision.id}",
            "new_decision": f"/incidents/{incident.id}/decisions/new", "amend": f"/decisions/{decision.id}/amend",
            "compliance": f"/consultation/incidents/{incident.id}/compliance",
            "ledger": f"/costs/incidents/{incident.id}", "open_line": f"/costs/lines/{open_line.id}",
            "line": f"/costs/lines/{any_line.id}", "assign": f"/staffs/positions/{position.id}/assign",
            "history": f"/staffs/positions/{position.id}", "edit_position": f"/staffs/positions/{position.id}/edit",
            "end": f"/staffs/assignments/{assignment.id}/end",
            "replace": f"/staffs/assignments/{assignment.id}/replace",
            "edit_person": f"/staffs/people/{person.id}/edit",
        }


# Clear every text field of the page's main form and submit it: the server answers with the form's error state.
SUBMIT_EMPTY = """(selector) => {
  const form = document.querySelector(selector);
  form.querySelectorAll("input[type=text], input:not([type]), input[type=datetime-local], input[type=date], " +
                        "input[type=number], input[type=email], input[type=tel], textarea").forEach(
    el => { el.value = ""; });
  form.requestSubmit();
}"""
SUBMIT_BAD_MONEY = """(selector) => {
  const form = document.querySelector(selector);
  form.querySelector("[name$=actual]").value = "tolv kroner";
  form.requestSubmit();
}"""

# (role, key or literal path, form to submit with errors or None)
FORM_PAGES = [
    ("politi", "new_decision", None),
    ("politi", "new_decision", "main form.decision-form"),
    ("politi", "amend", None),
    ("politi", "amend", "main form.decision-form"),
    ("politi", "decision", None),
    ("politi", "incident", None),
    ("politi", "compliance", None),
    ("politi", "ledger", None),
    ("politi", "line", None),
    ("politi", "/staffs/LBS-O?at=2020-01-01T12%3A00", None),
    ("politi", "/staffs/LBS-O?at=not-a-time", None),
    ("politi", "/staffs/LBS-O/print", None),
    ("politi", "/staffs/LBS-S/print", None),
    ("politi", "history", None),
    ("politi", "assign", "main form[method=post]"),
    ("politi", "end", "main form[method=post]"),
    ("politi", "replace", "main form[method=post]"),
    ("politi", "edit_position", "main form[method=post]"),
    ("politi", "/staffs/LBS-O/positions/new", "main form[method=post]"),
    ("politi", "edit_person", "main form[method=post]"),
    ("politi", "/staffs/people/new", "main form[method=post]"),
    ("politi", "/consultation/?municipality=657&type=evacuation&why_type=evacuation", None),
    ("herning", "open_line", None),
    ("herning", "open_line", "main form[action$='/accept']"),
    ("herning", "/costs/", None),
    ("admin", "/consultation/rules", None),
    ("admin", "/consultation/rules/new", None),
    ("admin", "/consultation/rules/new", "main form[method=post]"),
]


@pytest.fixture(scope="module")
def demo_paths(live_server) -> dict[str, str]:
    return _demo_paths(live_server.app)


@pytest.mark.parametrize("username", sorted({role for role, _, _ in FORM_PAGES}))
def test_pages_behind_forms_and_their_error_states(csp_free_page, live_server, demo_paths, username):
    sign_in(csp_free_page, live_server, username)
    problems, scanned = [], 0
    for role, key, form in FORM_PAGES:
        if role != username:
            continue
        path = demo_paths.get(key, key)
        response = csp_free_page.goto(live_server.url + path)
        assert response is not None and response.status < 500, f"{path}: {response and response.status}"
        if form:
            script = SUBMIT_BAD_MONEY if form.endswith("'/accept']") else SUBMIT_EMPTY
            with csp_free_page.expect_navigation():
                csp_free_page.evaluate(script, form)
            assert csp_free_page.locator(".error-summary, .error-text").count(), f"{path}: no error state shown"
        problems.extend(scan(csp_free_page))
        scanned += 1
    assert scanned
    assert not problems, "\n".join(problems)


def test_language_attribute_follows_the_chosen_language(page, live_server):
    sign_in(page, live_server, "politi")
    assert page.locator("html").get_attribute("lang") == "da"
    page.keyboard.press("Tab")  # skip link first; the language switch sits in the header
    button = page.get_by_role("button", name="English")
    with page.expect_navigation():
        button.focus()
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Dansk").get_attribute("lang") == "da"
    page.goto(live_server.url + "/staffs")
    assert page.locator("html").get_attribute("lang") == "en"
