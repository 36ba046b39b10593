"""Signed pushes to platforms' webhooks, and the check a receiver runs on them.

Each request carries ``X-PTA-Timestamp`` (Unix seconds), ``X-PTA-Signature: sha256=<hex>`` (HMAC-SHA256
with the platform's secret over ``f"{timestamp}.{body}"``) and ``X-PTA-Delivery`` (the same on every
retry of one message, so the receiver can drop duplicates). Signing the timestamp lets a receiver
refuse a captured request replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import ssl
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

SIGNATURE_PREFIX = "sha256="
# 408 Request Timeout and 429 Too Many Requests are the receiver asking us to come back later.
RETRYABLE_CLIENT_ERRORS = {408, 429}


class WebhookError(Exception):
    """A push that failed but may succeed later (network, TLS, 5xx, 408, 429, a redirect)."""


class WebhookRefused(WebhookError):
    """A push the receiver refused for good (any other 4xx): retrying would only repeat it."""


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def signature_compute(secret: str, timestamp: str | int, body: str | bytes) -> str:
    message = str(timestamp).encode() + b"." + _as_bytes(body)
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_verify(
    secret: str,
    timestamp: str | int,
    body: str | bytes,
    signature: str,
    tolerance: int = 300,
    *,
    now: float | None = None,
) -> bool:
    """True only for a signature made with ``secret`` over this body, within ``tolerance`` seconds of now.

    The comparison is constant-time. A timestamp that is not an integer, or is too old or too far in
    the future, fails before the signature is looked at.
    """
    try:
        sent_at = int(str(timestamp))
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance:
        return False
    return hmac.compare_digest(signature_compute(secret, sent_at, body), str(signature))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could carry the signed body to a host the supervisor never registered.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def webhook_post(*, url: str, secret: str, body: str, delivery_id: str) -> str:
    """POST one signed message; returns a description of the answer, or raises WebhookError/WebhookRefused."""
    if not url.lower().startswith("https://"):
        raise WebhookRefused("webhook URL is not https")
    context = ssl.create_default_context(cafile=settings.WEBHOOK_CA_BUNDLE or None)
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect())
    timestamp = str(int(time.time()))
    data = body.encode()
    request = urllib.request.Request(  # noqa: S310 - https only, checked above
        url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "regulator-portal-webhook/1",
            "X-PTA-Timestamp": timestamp,
            "X-PTA-Signature": signature_compute(secret, timestamp, data),
            "X-PTA-Delivery": delivery_id,
        },
    )
    try:
        with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        raise WebhookError(f"{type(error).__name__}: {error}") from error
    if 200 <= status < 300:
        return f"{delivery_id} HTTP {status}"
    if 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS:
        raise WebhookRefused(f"HTTP {status}")
    raise WebhookError(f"HTTP {status}")
