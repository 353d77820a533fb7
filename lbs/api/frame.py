"""The API frame: bearer-token auth, the error format, endpoint registration for OpenAPI."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from lbs.auth import services as auth_services
from lbs.auth.models import Role, User
from lbs.errors import DomainError
from lbs.extensions import db
from lbs.validation import UNENCODABLE, unencodable_fields
from lbs.web import accepts_body_of

API_PREFIX = "/api/v1"
PUBLIC_PATHS = {f"{API_PREFIX}/openapi.json"}


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def json_error(status: int, message: str, fields: dict[str, list[str]] | None = None) -> Response:
    body: dict[str, Any] = {"message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="lbs"'
    return response


class ApiError(Exception):
    def __init__(self, status: int, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields


def api_user() -> User:
    user: User = g.api_user
    return user


def _authenticate() -> Response | None:
    g.pop("api_user", None)  # tests run many requests in one app context, so in one ``g``
    if not is_api_request() or request.path in PUBLIC_PATHS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return json_error(401, "missing bearer token")
    user = auth_services.user_for_token(token.strip())
    if user is None:
        return json_error(401, "invalid or revoked token")
    g.api_user = user
    return None


def register_api_errorhandlers(app: Flask) -> None:
    app.before_request(_authenticate)
    app.teardown_request(auth_services.record_token_use)

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        db.session.rollback()
        return json_error(error.status, error.message, error.fields)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        db.session.rollback()
        return json_error(error.status, error.message, error.fields or None)

    @app.errorhandler(OperationalError)
    def _db_unavailable(error: OperationalError) -> Response | tuple[str, int]:
        db.session.rollback()
        current_app.logger.exception("database error")
        if is_api_request():
            return json_error(503, "database busy or unavailable, try again")
        return "Database busy or unavailable, try again.", 503

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        if isinstance(error, HTTPException):
            return error
        db.session.rollback()
        current_app.logger.exception("unhandled error")
        if is_api_request():
            return json_error(500, "internal error")
        return "Internal error", 500


# ---------------------------------------------------------------- endpoint registry (→ OpenAPI)


@dataclass
class EndpointSpec:
    rule: str
    method: str
    operation_id: str
    summary: str
    tag: str
    roles: tuple[Role, ...] | None
    request_schema: dict[str, Any] | None
    responses: dict[int, dict[str, Any] | None]
    query: list[dict[str, Any]] = field(default_factory=list)
    content_type: str = "application/json"
    request_content_type: str = "application/json"


ENDPOINTS: list[EndpointSpec] = []
OPERATION_ID = re.compile(r"^[a-z][A-Za-z]+$")

ALL_ROLES = tuple(Role)
WRITERS = (Role.POLICE, Role.ADMIN)


def endpoint(
    bp: Any,
    rule: str,
    method: str,
    *,
    operation_id: str,
    summary: str,
    tag: str,
    roles: tuple[Role, ...] = ALL_ROLES,
    request_schema: dict[str, Any] | None = None,
    responses: dict[int, dict[str, Any] | None] | None = None,
    query: list[dict[str, Any]] | None = None,
    content_type: str = "application/json",
    request_content_type: str = "application/json",
    max_body: int | None = None,
    public: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an API view with its role check (403 before anything else) and its OpenAPI entry.

    ``operation_id`` names the operation for clients generated from the document (``logDecision`` becomes
    ``log_decision``): camelCase, unique, and never changed once published. ``public``: no token needed (its
    path joins ``PUBLIC_PATHS``; the document marks it with an empty ``security``)."""
    if not OPERATION_ID.fullmatch(operation_id) or any(s.operation_id == operation_id for s in ENDPOINTS):
        raise ValueError(f"operation id {operation_id!r} is not camelCase or is taken")

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not public and api_user().role not in roles:
                raise ApiError(403, "your role may not do this")
            return view(*args, **kwargs)

        wrapped.lbs_roles = () if public else roles  # type: ignore[attr-defined]  # read by the read scope's guard
        if public:
            PUBLIC_PATHS.add(API_PREFIX + rule)
        if max_body is not None:
            accepts_body_of(max_body)(wrapped)
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        ENDPOINTS.append(
            EndpointSpec(
                rule=rule,
                method=method.lower(),
                operation_id=operation_id,
                summary=summary,
                tag=tag,
                roles=None if public else roles,
                request_schema=request_schema,
                responses=responses or {200: None},
                query=query or [],
                content_type=content_type,
                request_content_type=request_content_type,
            )
        )
        return wrapped

    return decorator


def json_body() -> dict[str, Any]:
    """The request body as a JSON object: 400 when it is not JSON, 422 when it is not an object or holds text
    that cannot be stored (a lone surrogate), naming each such field."""
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw, parse_constant=_reject_constant) if raw else None
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "malformed JSON body") from exc
    if not isinstance(data, dict):
        raise ApiError(422, "the body must be a JSON object")
    bad = unencodable_fields(data)
    if bad:  # every entry point reads its body here: a lone surrogate is refused before any field is read
        raise ApiError(422, "invalid text", {name[:120]: [UNENCODABLE] for name in bad[:20]})
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
