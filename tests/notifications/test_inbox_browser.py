"""The bell and the notifications page in the browser: keyboard only, at a phone's width (390 px), without
serious accessibility violations; the admin pages likewise."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import base_url, browser_type_launch_args, live_server  # noqa: F401  (fixtures)
from tests.e2e.test_accessibility import _scan_once
from tests.e2e.test_keyboard import keyboard_sign_in, press_and_wait, tab_to, text
from tests.e2e.test_layouts import OVERFLOW

PHONE = {"width": 390, "height": 844}


def _check_page(page: Any, problems: list[str]) -> None:
    problems.extend(_scan_once(page))
    overflow = page.evaluate(OVERFLOW)
    if overflow["page"] > 0 or overflow["out"]:
        problems.append(f"{page.url}: wider than 390 px by {overflow['page']}px; {overflow['out']}")


def test_herning_reads_notifications_by_keyboard_at_phone_width(page, live_server):  # noqa: F811
    page.set_viewport_size(PHONE)
    keyboard_sign_in(page, live_server, "herning")
    problems: list[str] = []
    bell = page.locator("a.bell")
    expect(bell.locator(".visually-hidden")).to_have_text(" ulæste")
    unread = int(bell.locator(".badge").inner_text().split()[0])
    assert unread >= 1
    _check_page(page, problems)
    tab_to(page, lambda i: i["href"] == "/notifications")
    press_and_wait(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifikationer")
    _check_page(page, problems)

    # Following the first (newest) notification marks it read and lands on what it is about.
    first = page.locator(".notification-open button").first
    title = " ".join(first.inner_text().split())
    tab_to(page, lambda i: i["tag"] == "button" and i["text"] == title)
    press_and_wait(page)
    assert "/notifications" not in page.url
    if unread > 1:
        expect(page.locator("a.bell .badge")).to_contain_text(f"{unread - 1} ulæste")
    else:
        expect(page.locator("a.bell .badge")).to_have_count(0)

    page.goto(live_server.url + "/notifications")
    if unread > 1:
        tab_to(page, text(r"^Markér alle som læste$"))
        press_and_wait(page)
        expect(page.get_by_text("Alle notifikationer er markeret som læste.")).to_be_visible()
    expect(page.locator("a.bell .badge")).to_have_count(0)
    _check_page(page, problems)
    assert problems == []


def test_the_admin_pages_at_phone_width(page, live_server):  # noqa: F811
    page.set_viewport_size(PHONE)
    keyboard_sign_in(page, live_server, "admin")
    problems: list[str] = []
    tab_to(page, text(r"^Administration$"))
    press_and_wait(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Brugere")
    _check_page(page, problems)
    with page.expect_navigation():
        page.get_by_role("link", name="Ret e-mailadresse (herning)", exact=True).click()
    expect(page.get_by_label("E-mailadresse")).to_have_value("herning@demo.invalid")
    _check_page(page, problems)
    page.goto(live_server.url + "/admin/outbox")
    expect(page.get_by_role("heading", level=1)).to_have_text("Udbakke for mails")
    _check_page(page, problems)
    assert problems == []
