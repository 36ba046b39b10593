"""Per-token rate limit, counted in the shared cache so every web worker sees the same count."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .models import PlatformToken


class PlatformTokenThrottle(SimpleRateThrottle):
    scope = "platform_token"

    def get_rate(self) -> str:
        return str(settings.API_RATE_PER_TOKEN)

    def allow_request(self, request: Request, view: Any) -> bool:
        # The rate is read per request so an operator's change (and a test's) applies without a restart.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, PlatformToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
