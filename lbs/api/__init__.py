"""The JSON API (``/api/v1``): thin views over the domain services."""

from __future__ import annotations

from flask import Blueprint

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Importing the modules registers their endpoints on ``api_bp`` and in the OpenAPI registry.
from lbs.api import openapi, reference  # noqa: E402,F401
