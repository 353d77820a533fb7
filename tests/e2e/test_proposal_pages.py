"""The proposal pages in a browser: proposed and decided with the keyboard alone, and usable on a 390 px wide
phone screen (no sideways scrolling of the page; axe finds no serious or critical violation)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_accessibility import _scan_once
from tests.e2e.test_keyboard import choose, keyboard_sign_in, named, open_demo_incident, press_and_wait, tab_to, text
from tests.e2e.test_layouts import OVERFLOW

TITLE = "Evakuering af Sunds (forslag)"


def _propose_by_keyboard(page) -> None:
    tab_to(page, text(r"^Foreslå beslutning$"))
    press_and_wait(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Foreslå beslutning")
    tab_to(page, named("owner"))
    choose(page, label="Midt- og Vestjyllands Politi")
    for name, words in (("title", TITLE), ("decision", "Sunds evakueres."), ("rationale", "Dæmningen kan bryde.")):
        tab_to(page, named(name))
        page.keyboard.type(words)
    # The rest of the form (cost and consultation rows) is walked by keyboard in test_keyboard's decision form,
    # which this form shares; here the submit button is reached directly.
    page.get_by_role("button", name="Foreslå beslutning").focus()
    press_and_wait(page)


def test_politi_proposes_and_decides_with_the_keyboard_only(page, live_server):
    keyboard_sign_in(page, live_server, "politi")
    open_demo_incident(page, live_server)
    _propose_by_keyboard(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.locator(".flash")).to_contain_text("Forslaget er gemt")
    tab_to(page, named("decided_by"))
    page.keyboard.press("ArrowDown")
    tab_to(page, text(r"^Træf beslutning$"))
    press_and_wait(page)
    assert re.search(r"/decisions/\d+$", page.url), page.url
    expect(page.locator(".flash")).to_contain_text("er logført ud fra forslaget")
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)


# The elements inside ``selector`` that stick out of the viewport (not inside a scrolling container of their own).
OVERFLOW_IN = """(selector) => {
  const width = document.documentElement.clientWidth;
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll") { return true; } } return false; };
  return Array.from(document.querySelectorAll(selector + ", " + selector + " *"))
    .filter(el => el.getBoundingClientRect().right > width + 1 && !scrolls(el))
    .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
}"""


def test_the_pages_fit_a_phone_and_pass_axe(page, live_server):
    keyboard_sign_in(page, live_server, "politi")
    open_demo_incident(page, live_server)
    incident_url = page.url
    current_decision = page.locator(".decision-row:not(.amended) a").last.get_attribute("href")
    _propose_by_keyboard(page)
    proposal_url = page.url
    assert re.search(r"/proposals/\d+$", proposal_url), proposal_url
    page.set_viewport_size({"width": 390, "height": 844})
    problems = []
    for url in (incident_url + "/proposals", incident_url + "/proposals/new", proposal_url):
        page.goto(url)
        result = page.evaluate(OVERFLOW)
        if result["page"] > 0 or result["out"]:
            problems.append(f"390px {url}: page wider by {result['page']}px; {result['out']}")
        problems.extend(_scan_once(page))
    # The pages the proposals are reached from: what this change adds to them fits too.
    for url, selector in ((incident_url, ".actions"), (live_server.url + (current_decision or ""),
                                                        ".ask-consultation")):
        page.goto(url)
        expect(page.locator(selector)).to_be_visible()
        out = page.evaluate(OVERFLOW_IN, selector)
        if out:
            problems.append(f"390px {url} {selector}: {out}")
        problems.extend(_scan_once(page))
    assert not problems, "\n".join(problems)
