"""The JSON API (``/api/v1``): thin views over the domain services.

Importing a module registers its endpoints on ``api_bp`` and in the OpenAPI registry.
"""

from __future__ import annotations

from lbs.api import (
    appended,
    attachments,
    consultation,
    costs,
    decisions,
    hearing,
    incidents,
    notifications,
    openapi,
    reference,
    review,
    review_packs,
    staffs,
)
from lbs.api.blueprint import api_bp

__all__ = ["api_bp", "appended", "attachments", "consultation", "costs", "decisions", "hearing", "incidents",
           "notifications", "openapi", "reference", "review", "review_packs", "staffs"]
