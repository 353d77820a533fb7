"""axe-core scan of every page: signed out, and for each role every page reachable by links from the
front page (so each new page is scanned without touching this test). No serious or critical violation."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import sign_in

AXE = Axe()
SKIP = re.compile(r"(\.(csv|xlsx|json|zip|pdf|svg)$)|^/api/|^/logout|^/static/|/export|/download")
PER_ROLE = 30


def _pattern(path: str) -> str:
    """Pages that differ only by ids are one kind of page: scan one of each."""
    return re.sub(r"\d+", "N", path)


def scan(page) -> list[str]:
    results = AXE.run(page, options={"resultTypes": ["violations"], "runOnly": ["wcag2a", "wcag2aa", "wcag21a",
                                                                                "wcag21aa", "best-practice"]})
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
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
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
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
    """Guard: the scanner reports serious problems (an unlabeled field, an image without text)."""
    csp_free_page.set_content('<html><head><title>t</title></head><body><main><input type="text">'
                              '<img src="data:image/png;base64,iVBORw0KGgo="></main></body></html>')
    problems = scan(csp_free_page)
    assert any("label" in p for p in problems) and any("image-alt" in p for p in problems), problems
