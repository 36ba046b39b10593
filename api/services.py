"""Writes of the platform API: tokens, the platform's system user, the request log."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from complaints.models import Platform

from .models import ApiRequestLog, IdempotencyRecord, PlatformToken

TOKEN_PREFIX = "rpk_"  # noqa: S105 - a label that makes leaked tokens easy to scan for, not a secret
# What a platform's calls may do in the portal's own services, which check permissions on the actor.
PLATFORM_ACTOR_PERMISSIONS = [("notices", "add_reply")]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: PlatformToken
    plaintext: str  # shown once; never stored


@transaction.atomic
def platform_token_issue(*, platform: Platform, name: str, actor: User | None) -> IssuedToken:
    """A new token for the platform. ``actor`` None is the management command, run by an operator."""
    if actor is not None and not actor.has_perm("api.add_platformtoken"):
        raise PermissionDenied("Only a supervisor can issue platform API tokens.")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PlatformToken.objects.create(
        platform=platform,
        name=name,
        prefix=plaintext[: len(TOKEN_PREFIX) + 6],
        token_hash=token_hash(plaintext),
        created_by=actor,
    )
    platform_actor(platform=platform)
    return IssuedToken(token=token, plaintext=plaintext)


def platform_token_revoke(*, token: PlatformToken, actor: User | None) -> bool:
    """Revoke the token at once; False if it already was."""
    if actor is not None and not actor.has_perm("api.change_platformtoken"):
        raise PermissionDenied("Only a supervisor can revoke platform API tokens.")
    return bool(
        PlatformToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now(), revoked_by=actor)
    )


def platform_actor(*, platform: Platform) -> User:
    """The user a platform's API calls act as in the portal's services and logs (replies, PII exports).

    Not staff and without a usable password, it cannot sign in anywhere; it holds only the permissions
    the API's writes need, so a bug in the API cannot lend a platform a caseworker's powers.
    """
    user, created = User.objects.get_or_create(
        username=f"platform-api.{platform.slug}",
        defaults={"first_name": platform.name[:150], "is_staff": False, "is_active": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        for app_label, codename in PLATFORM_ACTOR_PERMISSIONS:
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def api_request_log(
    *, platform_id: int | None, token_id: int | None, method: str, endpoint: str, status_code: int, duration_ms: int
) -> None:
    ApiRequestLog.objects.create(
        platform_id=platform_id,
        token_id=token_id,
        method=method[:10],
        endpoint=endpoint[:200],
        status_code=status_code,
        duration_ms=duration_ms,
    )


def token_touch(*, token: PlatformToken) -> None:
    """Record use at most once a minute: a write per request would make every read a write."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        PlatformToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_records_purge(*, now: datetime) -> dict[str, int]:
    """Drop idempotent answers and request-log rows past their retention (settings), for the beat task."""
    keys, _ = IdempotencyRecord.objects.filter(
        created_at__lt=now - timedelta(days=settings.API_IDEMPOTENCY_RETENTION_DAYS)
    ).delete()
    requests, _ = ApiRequestLog.objects.filter(
        at__lt=now - timedelta(days=settings.API_REQUEST_LOG_RETENTION_DAYS)
    ).delete()
    return {"idempotency_records": keys, "request_log": requests}
