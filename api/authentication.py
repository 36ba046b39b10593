"""Bearer tokens, one set per platform (PlatformToken)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from .models import PlatformToken
from .services import platform_actor, token_hash, token_touch


class PlatformTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``. The user is the platform's system user; ``request.auth`` the token."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[User, PlatformToken] | None:
        header = get_authorization_header(request).split()
        if not header:
            return None  # NotAuthenticated (401) from the permission check
        if header[0].lower() != self.keyword or len(header) != 2:
            raise exceptions.AuthenticationFailed("Use 'Authorization: Bearer <token>'.")
        try:
            plaintext = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        token = (
            PlatformToken.objects.select_related("platform")
            .filter(token_hash=token_hash(plaintext), revoked_at=None, platform__is_active=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("The token is not valid or was revoked.")
        token_touch(token=token)
        return platform_actor(platform=token.platform), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


def request_token(request: Any) -> PlatformToken:
    """The token of an authenticated API request (the permission class guarantees there is one)."""
    token = request.auth
    assert isinstance(token, PlatformToken)
    return token


class PlatformTokenScheme(OpenApiAuthenticationExtension):
    target_class = PlatformTokenAuthentication
    name = "platformToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A token from `platform_token_issue`."}
