"""The review page's attachment lists at a phone's width: the full SHA-256 wraps and the table scrolls in its
own region, never pushing the page sideways; the download link gives the file's bytes."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select

from lbs.auth.models import User
from lbs.decisions.attachments import Upload, attach
from lbs.decisions.models import Decision
from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.incidents.models import Incident
from tests.attachments import files
from tests.e2e.conftest import sign_in

# The attachment tables' regions fit the viewport, and nothing in them sticks out but inside their own scroll.
ATTACHMENTS_FIT = """() => {
  const width = document.documentElement.clientWidth;
  const regions = Array.from(document.querySelectorAll(".table-scroll"))
    .filter(r => r.querySelector("table.attachments"));
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll") { return true; } } return false; };
  return {
    regions: regions.length,
    wide: regions.filter(r => r.getBoundingClientRect().right > width + 1).length,
    out: regions.flatMap(r => Array.from(r.querySelectorAll("*")))
      .filter(el => el.getBoundingClientRect().right > width + 1 && !scrolls(el)).length,
    sha: Array.from(document.querySelectorAll("table.attachments code.sha"))
      .map(c => c.getBoundingClientRect().width).reduce((a, b) => Math.max(a, b), 0),
  };
}"""


def _attach(app) -> int:
    with app.app_context():
        incident = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
        decision = db.session.scalars(select(Decision).where(Decision.incident_id == incident.id)
                                      .order_by(Decision.number.desc())).first()
        user = db.session.scalars(select(User).where(User.username == "politi")).one()
        for name, data in (("Beredskabets vurdering af diget ved Ringkøbing.pdf", files.pdf()),
                           ("diget.png", files.png())):
            attach(decision=decision, upload=Upload(name, io.BytesIO(data)), description=None, by=user)
        db.session.commit()
        return incident.id


def test_review_attachments_fit_a_phone(page, live_server):
    incident_id = _attach(live_server.app)
    sign_in(page, live_server, "politi")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + f"/review/incidents/{incident_id}?after=999999")
    table = page.locator("table.attachments").first
    table.scroll_into_view_if_needed()
    assert table.is_visible()
    result = page.evaluate(ATTACHMENTS_FIT)
    assert result["regions"] == 1 and result["wide"] == 0 and result["out"] == 0, result
    assert 0 < result["sha"] < 390, result  # the 64 hex digits wrap
    link = table.locator("a[download]").first
    with page.expect_download() as info:
        link.click()
    assert Path(info.value.path()).read_bytes() == files.pdf()
