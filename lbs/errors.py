"""Domain errors raised by services; views map them to form errors or JSON 4xx."""

from __future__ import annotations


class DomainError(Exception):
    """A broken rule. ``status`` is the HTTP status the API answers with."""

    status = 422

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationError(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
