"""Every API error is JSON ``{"code": ..., "detail": ...}`` with a stable code (docs/api.md lists them)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback


class ApiError(exceptions.APIException):
    """A refusal with its own code, status and, optionally, more fields in the body (e.g. existing_id)."""

    def __init__(self, *, code: str, detail: str, status_code: int = 422, **extra: Any) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status_code
        self.error_code = code
        self.extra = extra


# DRF's exception classes, by the code a platform sees.
CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ValidationError, "invalid"),
    (exceptions.ParseError, "parse_error"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
]


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, ApiError):
        return {"code": exc.error_code, "detail": str(exc.detail), **exc.extra}
    code = next((c for cls, c in CODES if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        return {"code": code, "detail": "Some fields are not valid.", "errors": exc.detail}
    return {"code": code, "detail": str(exc.detail)}


def error_status(exc: exceptions.APIException) -> int:
    # A body that parses but does not validate is a 422, as in the DSA Transparency Database's API.
    return status.HTTP_422_UNPROCESSABLE_ENTITY if isinstance(exc, exceptions.ValidationError) else exc.status_code


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 handling logs it
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    set_rollback()
    return Response(error_body(exc), status=error_status(exc), headers=headers)
