"""Sign in as politi, see Danish navigation, switch to English, sign out; a wrong password fails."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_sign_in_switch_language_sign_out(page, live_server):
    sign_in(page, live_server, "politi")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_text("Politi (demo)")).to_be_visible()
    expect(page.get_by_role("button", name="Log ud")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(live_server.url + "/")
    expect(page).to_have_url(live_server.url + "/login")
    expect(page.get_by_text("Politi (demo)")).to_have_count(0)


def test_wrong_password_shows_error_and_no_session(page, live_server):
    sign_in(page, live_server, "politi", "wrong")
    expect(page.get_by_role("alert")).to_contain_text("Forkert brugernavn eller adgangskode")
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()


def test_keyboard_reaches_content_via_skip_link(page, live_server):
    sign_in(page, live_server, "politi")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Spring til indhold")).to_be_focused()
