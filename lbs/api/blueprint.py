"""The JSON API's blueprint (``/api/v1``); the modules of :mod:`lbs.api` add their endpoints to it."""

from __future__ import annotations

from flask import Blueprint

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
