"""Notifications: every role reads and marks its own (another user's is 404, past authorisation); the admin
pages (users, outbox) are for admin only."""

from __future__ import annotations

from tests.matrix import ALL, Case

ADMIN = ("admin",)

CASES = [
    Case("GET", "/notifications", ALL),
    Case("POST", "/notifications/1/open", ALL, rule="/notifications/<id>/open"),
    Case("POST", "/notifications/1/read", ALL, rule="/notifications/<id>/read"),
    Case("POST", "/notifications/read-all", ALL),
    Case("GET", "/api/v1/notifications", ALL),
    Case("POST", "/api/v1/notifications/1/read", ALL, rule="/api/v1/notifications/<id>/read"),
    Case("GET", "/admin/", ADMIN),
    Case("GET", "/admin/users", ADMIN),
    Case("GET", "/admin/users/1/email", ADMIN, rule="/admin/users/<id>/email"),
    Case("POST", "/admin/users/1/email", ADMIN, rule="/admin/users/<id>/email"),
    Case("GET", "/admin/outbox", ADMIN),
    Case("POST", "/admin/outbox/1/retry", ADMIN, rule="/admin/outbox/<id>/retry"),
]
