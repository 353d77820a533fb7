"""The admin's list of API tokens and revoking one: admin only."""

from __future__ import annotations

from tests.matrix import Case

ADMIN = ("admin",)

CASES = [
    Case("GET", "/admin/tokens", ADMIN),
    Case("POST", "/admin/tokens/1/revoke", ADMIN, rule="/admin/tokens/<id>/revoke"),
]
