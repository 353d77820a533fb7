"""Security headers on every response (``Cache-Control: no-store`` on everything but static files); Secure
cookies whenever the request came over HTTPS."""

from __future__ import annotations

import re

from flask import Flask, Response, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


# On every response (a view may set its own CSP or Permissions-Policy; these are the defaults).
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
_VIEW_MAY_SET = ("Content-Security-Policy", "Permissions-Policy")


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            if name in _VIEW_MAY_SET:
                response.headers.setdefault(name, value)
            else:
                response.headers[name] = value
        _cache_control(response)
        return response


def _cache_control(response: Response) -> None:
    """Nothing the application answers is kept by a browser or a proxy — pages, API answers (errors included),
    exports and attachments — except static files (their own ``Cache-Control``). A view may answer with its own
    header only when it keeps the answer out of shared caches and asks afresh each time (the live polls'
    ``no-cache, private`` with an ETag, ``docs/live-updates.md``)."""
    if request.endpoint == "static" and 200 <= response.status_code < 400:
        return
    own = response.cache_control
    if own.no_store or (own.no_cache and own.private):
        return
    response.headers["Cache-Control"] = "no-store"


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when configured so, and also whenever the request itself is HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _secure_cookies(response: Response) -> Response:
    """Mark every cookie set on an HTTPS request Secure (the remember cookie of Flask-Login included)."""
    if not request.is_secure:
        return response
    cookies = response.headers.getlist("Set-Cookie")
    if cookies:
        response.headers.remove("Set-Cookie")
        for cookie in cookies:
            secure = any(part.strip().lower() == "secure" for part in cookie.split(";"))
            response.headers.add("Set-Cookie", cookie if secure else f"{cookie}; Secure")
    return response


def register_https(app: Flask) -> None:
    """Behind a TLS-terminating proxy (``LBS_PROXY_FIX=1``) trust one hop of X-Forwarded-For/-Proto, so that
    ``request.is_secure`` and the client address are right; then cookies get Secure on HTTPS requests."""
    if app.config.get("LBS_PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    app.session_interface = HttpsAwareSessionInterface()
    # After-request functions run in reverse order: put ours first so it runs last, after Flask-Login has
    # set its remember cookie.
    app.after_request_funcs.setdefault(None, []).insert(0, _secure_cookies)


# NUL and the C0 control characters other than tab, line feed and carriage return (and DEL): never valid in
# a form field, and PostgreSQL cannot even store NUL in text.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse_control_characters() -> Response | None:
    """Every HTML form submission is refused (400, nothing written) when a field carries a control character."""
    if request.method not in ("POST", "PUT", "PATCH") or request.path.startswith("/api/"):
        return None
    if not request.mimetype or request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    fields = sorted({key for key, value in request.form.items(multi=True)
                     if _FORBIDDEN.search(key) or _FORBIDDEN.search(value)})
    if not fields:
        return None
    title = _("The form contains characters that are not allowed (a NUL byte or another control character). "
              "Remove them and send the form again.")
    return Response(render_template("errors/error.html", title=title, code=400), status=400, mimetype="text/html")


def register_form_guard(app: Flask) -> None:
    app.before_request(_refuse_control_characters)
