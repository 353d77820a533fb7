"""Layouts: the main pages work at 1024×768 (tablet) and 1920×1080 without sideways scrolling of the page
(wide tables scroll inside their own region), and print without navigation or forms."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lbs.decisions.models import CostLine
from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.incidents.models import Incident
from tests.e2e.conftest import sign_in

SIZES = [(1024, 768), (1920, 1080)]

# Elements that stick out of the viewport and are not inside a scrolling container of their own.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll") { return true; } } return false; };
  return {
    page: document.documentElement.scrollWidth - width,
    out: Array.from(document.querySelectorAll("main *"))
      .filter(el => el.getBoundingClientRect().right > width + 1 && !scrolls(el))
      .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : "")),
  };
}"""


def _paths(app) -> dict[str, str]:
    with app.app_context():
        incident = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
        line = db.session.scalars(select(CostLine).where(CostLine.incident_id == incident.id)
                                  .order_by(CostLine.id)).first()
        assert line is not None
        return {"incident": f"/incidents/{incident.id}", "new": f"/incidents/{incident.id}/decisions/new",
                "ledger": f"/costs/incidents/{incident.id}", "line": f"/costs/lines/{line.id}",
                "compliance": f"/consultation/incidents/{incident.id}/compliance"}


PAGES = {
    "politi": ["/", "/staffs", "/staffs/LBS-O", "/staffs/LBS-S", "/staffs/people", "/incidents", "incident", "new",
               "ledger", "/consultation/", "compliance", "/accessibility"],
    "herning": ["/costs/", "line"],
}


@pytest.mark.parametrize("username", sorted(PAGES))
def test_no_sideways_scrolling_at_tablet_and_desktop_sizes(page, live_server, username):
    paths = _paths(live_server.app)
    sign_in(page, live_server, username)
    problems = []
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        for key in PAGES[username]:
            page.goto(live_server.url + paths.get(key, key))
            result = page.evaluate(OVERFLOW)
            if result["page"] > 0 or result["out"]:
                problems.append(f"{width}px {key}: page wider by {result['page']}px; {result['out']}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("which", ["/staffs/LBS-O/print", "incident"])
def test_print_hides_navigation_and_forms(page, live_server, which, tmp_path):
    path = _paths(live_server.app).get(which, which)
    sign_in(page, live_server, "politi")
    page.goto(live_server.url + path)
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => Array.from(document.querySelectorAll(
        "header.site-header, footer, .skip-link, main form, main button, .no-print"))
      .filter(el => getComputedStyle(el).display !== "none").map(el => el.outerHTML.slice(0, 80))""")
    assert hidden == [], hidden
    assert page.locator("h1").is_visible() and page.locator("main table").first.is_visible()
    shot = tmp_path / "print.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    # Back on screen the controls return.
    page.emulate_media(media="screen")
    assert page.locator("header.site-header").is_visible()
