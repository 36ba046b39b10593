"""The cache that holds the public forms' rate-limit counters, failing open when Redis is down.

django-ratelimit lets a cache error escape as a 500, and the README promises that a complaint can be
filed while Redis is down. Refusing every citizen because a counter is unreachable would turn an
outage into a denial of service, so this cache falls back to a counter in the worker's own memory:
limits still apply, per process instead of across the fleet, until Redis answers again. The switch
is logged as a warning that names the error's type only (cache keys are derived from addresses and
CNICs, so they are never logged).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# LocMemCache instances with one name share their storage, so every thread of a process counts
# together. Counters are tiny; the cap only bounds a flood of distinct addresses.
LOCAL_NAME = "ratelimit-fallback"
LOCAL_MAX_ENTRIES = 50_000


class FailOpenRedisCache(RedisCache):
    """A RedisCache whose failures are answered from an in-process counter for `retry_after` seconds."""

    retry_after = 30.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._local = LocMemCache(LOCAL_NAME, {"OPTIONS": {"MAX_ENTRIES": LOCAL_MAX_ENTRIES}})
        self._down_until = 0.0

    def _fail_open(self, method: str, *args: Any) -> Any:
        # While Redis is known to be down, go straight to the local counter: each attempt to reach it
        # could cost a connect timeout on every public request.
        if time.monotonic() >= self._down_until:
            try:
                return getattr(super(), method)(*args)
            except (RedisError, OSError) as exc:
                self._down_until = time.monotonic() + self.retry_after
                logger.warning(
                    "rate-limit cache unreachable (%s): limits are counted per process for %ds",
                    type(exc).__name__,
                    self.retry_after,
                )
        return getattr(self._local, method)(*args)

    def add(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return bool(self._fail_open("add", key, value, timeout, version))

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._fail_open("get", key, default, version)

    def set(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._fail_open("set", key, value, timeout, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return int(self._fail_open("incr", key, delta, version))

    def delete(self, key: Any, version: int | None = None) -> bool:
        return bool(self._fail_open("delete", key, version))
