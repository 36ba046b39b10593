"""The platform API's own rows: the tokens platforms call with, the answers kept for retries, the request log.

The API knows complaints and notices; neither imports it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PlatformToken(models.Model):
    """A bearer token of one platform. Only its SHA-256 is kept: the token is shown once, when issued.

    A plain (unsalted, fast) hash is enough because the token is 256 random bits, not a password:
    nobody can guess or brute-force a preimage, and a fast hash lets the token be looked up by index.
    """

    platform = models.ForeignKey("complaints.Platform", on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the platform uses it for, e.g. 'production'."))
    prefix = models.CharField(_("prefix"), max_length=16, editable=False, help_text=_("Shown to tell tokens apart."))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["platform", "-created_at"]
        verbose_name = _("platform API token")
        verbose_name_plural = _("platform API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The first answer to a POST with a given Idempotency-Key, replayed to every retry of it."""

    platform = models.ForeignKey("complaints.Platform", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "key"], name="unique_idempotency_key")]

    def __str__(self) -> str:
        return self.key


class ApiRequestLog(models.Model):
    """One row per API request: who, which endpoint, the answer and how long it took. No bodies, no PII."""

    platform = models.ForeignKey(
        "complaints.Platform", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    token = models.ForeignKey(PlatformToken, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    method = models.CharField(_("method"), max_length=10)
    endpoint = models.CharField(_("endpoint"), max_length=200, help_text=_("The URL pattern, not the URL."))
    status_code = models.PositiveSmallIntegerField(_("status"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("API request")
        verbose_name_plural = _("API requests")
        indexes = [models.Index(fields=["-at", "-id"], name="api_request_at_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} {self.status_code}"
