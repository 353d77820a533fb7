"""The role × route permission matrix. Each domain adds a module here with ``CASES``.

A case names a method and path (or a callable returning the path, evaluated in the app context of the
seeded demo) and the roles allowed; every other role must be refused. "Allowed" means the request
got past authorisation (any status but 401/403 and not a redirect to sign-in), so write cases need
no valid body: an allowed role gets 400/404/422 for an empty body, a refused one 403 first.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("police", "municipality", "reviewer", "admin")
USER_OF_ROLE = {"police": "politi", "municipality": "herning", "reviewer": "revisor", "admin": "admin"}
ALL = ROLES
WRITERS = ("police", "admin")


@dataclass(frozen=True)
class Case:
    method: str
    path: str | Callable[[], str]
    allowed: tuple[str, ...]
    # The Flask rule this case covers (for the coverage check); defaults to the path itself.
    rule: str | None = None
    json: Any = field(default=None)
    # Roles whose request passes authorisation but is refused for this specific object (e.g. another
    # municipality's cost line): expected 403 although the role is in general allowed.
    note: str = ""

    @property
    def api(self) -> bool:
        path = self.path if isinstance(self.path, str) else self.rule or ""
        return path.startswith("/api/")

    def resolve(self) -> str:
        return self.path if isinstance(self.path, str) else self.path()

    def label(self) -> str:
        return f"{self.method} {self.rule or self.path}"


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        cases.extend(getattr(module, "CASES", []))
    return cases


# Routes that need no sign-in at all (checked to answer without authentication).
PUBLIC_RULES = {
    "/login", "/logout", "/accessibility", "/language", "/healthz", "/readyz", "/api/v1/openapi.json",
    "/api/v1/signing-key",
    "/static/<path:filename>",
}
