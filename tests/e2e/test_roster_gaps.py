"""A gap on the staff page names its seat in words and links to the seat's row; the link is followed with the
keyboard alone and focus lands on the row, from where Tab goes on to the seat's own links."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_keyboard import focused, tab_to

HERNING_SEAT = "Krisestabskontakt, Herning Kommune"


def test_a_gap_is_named_and_its_link_leads_to_the_seat(page, live_server):
    sign_in(page, live_server, "herning")
    page.goto(live_server.url + "/staffs/LBS-O")
    gaps = page.get_by_role("region", name="Huller")
    expect(gaps).to_contain_text("1 hul(ler) i bemandingen")
    item = gaps.get_by_role("listitem")
    expect(item).to_have_count(1)
    expect(item).to_have_text(f"{HERNING_SEAT}: for få stedfortrædere (0 af mindst 1)")
    link = item.get_by_role("link", name=HERNING_SEAT)
    href = link.get_attribute("href")
    assert href is not None and re.fullmatch(r"#position-[0-9]+", href), href

    # keyboard only: Tab to the gap's link, Enter follows it
    tab_to(page, lambda info: info["tag"] == "a" and info["href"] == href)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    row = page.locator(f"tr{href}")
    expect(row).to_be_focused()
    expect(row).to_contain_text(HERNING_SEAT)
    expect(row).to_contain_text("Hul: for få stedfortrædere (0 af mindst 1)")
    expect(row).to_be_in_viewport()
    # the next Tab moves on inside the seat's row: its history link
    page.keyboard.press("Tab")
    info = focused(page)
    assert info is not None and info["text"].startswith("Historik") and HERNING_SEAT in info["text"], info
