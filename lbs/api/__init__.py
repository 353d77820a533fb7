"""The JSON API (``/api/v1``): thin views over the domain services."""

from __future__ import annotations

from flask import Blueprint

from lbs.modules import optional_modules

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Importing the modules registers their endpoints on ``api_bp`` and in the OpenAPI registry.
API_MODULES = [
    "lbs.api.reference",
    "lbs.api.staffs",
    "lbs.api.incidents",
    "lbs.api.decisions",
    "lbs.api.consultation",
    "lbs.api.costs",
    "lbs.api.review",
    "lbs.api.openapi",
]

optional_modules(API_MODULES)
