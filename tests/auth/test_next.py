"""After signing in, ``next`` is followed only to a path of this application (contract, *Sessions, passwords,
tokens and caching*): no scheme, no host, no ``//`` or ``/\\`` start once control characters are removed; anything
else goes to the start page, and nothing gives a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lbs.auth.views import safe_next

HOSTILE = [
    "/%09/evil.example",          # a tab: browsers drop it, leaving //evil.example
    "/%0d%0a/x",                  # CR LF: header injection, was a 500
    "/%0a/evil.example",
    "//evil.example",
    "///evil.example",
    "/%5Cevil.example",           # /\evil.example
    "%5C%5Cevil.example",
    "/%5C/evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "%20//evil.example",          # a leading space
    "%00//evil.example",
    "evil.example",
    "",
]
SAME_SITE = ["/incidents", "/incidents/1?tab=costs", "/review/?q=dige#top", "/staffs/LBS-O"]


def _sign_in(client: FlaskClient, raw_next: str) -> str:
    response = client.post(f"/login?next={raw_next}", data={"username": "politi", "password": "demo"})
    assert response.status_code == 302, response.status_code
    return str(response.headers["Location"])


@pytest.mark.parametrize("raw_next", HOSTILE)
def test_a_hostile_next_goes_to_the_start_page(app: Flask, client: FlaskClient, raw_next: str):
    assert _sign_in(client, raw_next) == "/"


@pytest.mark.parametrize("path", SAME_SITE)
def test_a_path_of_the_application_is_followed(app: Flask, client: FlaskClient, path: str):
    assert _sign_in(client, quote(path, safe="")) == path


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\r\n/x", " //evil.example", "/\\evil.example",
                                    "\\\\evil.example", "//evil.example/%2e%2e", "https:evil.example",
                                    "/\x7f/evil.example", "\t/\t/evil.example"])
def test_safe_next_refuses_what_a_browser_reads_as_another_host(app: Flask, target: str):
    with app.test_request_context():
        assert safe_next(target) == "/"


def test_safe_next_keeps_a_local_path(app: Flask):
    with app.test_request_context():
        assert safe_next("/decisions/12") == "/decisions/12"
        assert safe_next(None) == "/"
