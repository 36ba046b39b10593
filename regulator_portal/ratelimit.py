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
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
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
        self._pipeline_client: Any = None

    def _fail_open(self, method: str, *args: Any) -> Any:
        # While Redis is known to be down, go straight to the local counter: each attempt to reach it
        # could cost a connect timeout on every public request.
        if time.monotonic() >= self._down_until:
            try:
                if method in {"_incr_windows", "_add_briefly"}:
                    return getattr(self, f"_redis{method}")(*args)
                return getattr(super(), method)(*args)
            except (RedisError, OSError) as exc:
                self._down_until = time.monotonic() + self.retry_after
                logger.warning(
                    "rate-limit cache unreachable (%s): limits are counted per process for %ds",
                    type(exc).__name__,
                    self.retry_after,
                )
        if method == "_incr_windows":
            return local_incr_windows(self._local, *args)
        if method == "_add_briefly":
            key, seconds = args
            return self._local.add(key, 1, seconds)
        return getattr(self._local, method)(*args)

    def incr_windows(self, counts: Sequence[tuple[str, int, int]]) -> list[int]:
        """Add ``delta`` to each ``(key, delta, ttl)`` counter, created with its ttl: one round trip.

        Each counter is a SET NX EX followed by INCRBY in one pipeline, so a new window's key gets
        its expiry on creation and an existing one keeps it (a fixed window).
        """
        return list(self._fail_open("_incr_windows", counts))

    def _redis_incr_windows(self, counts: Sequence[tuple[str, int, int]]) -> list[int]:
        # Django's client builds a redis.Redis, with its table of reply parsers, on every call: a
        # quarter of a millisecond of each POST. One, over the same connection pool, serves them all
        # (Django keeps a cache object per thread).
        if self._pipeline_client is None:
            self._pipeline_client = self._cache.get_client(write=True)
        pipe = self._pipeline_client.pipeline(transaction=False)
        for key, delta, ttl in counts:
            full = self.make_and_validate_key(key)
            pipe.set(full, 0, ex=ttl, nx=True)
            pipe.incrby(full, delta)
        return pipe.execute()[1::2]

    def add_briefly(self, key: str, seconds: float) -> bool:
        """``add`` for less than a second (SET NX PX): Django's Redis cache counts whole seconds."""
        return bool(self._fail_open("_add_briefly", key, seconds))

    def _redis_add_briefly(self, key: str, seconds: float) -> bool:
        if self._pipeline_client is None:
            self._pipeline_client = self._cache.get_client(write=True)
        full = self.make_and_validate_key(key)
        return bool(self._pipeline_client.set(full, 1, nx=True, px=max(1, int(seconds * 1000))))

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


def local_incr_windows(cache: Any, counts: Sequence[tuple[str, int, int]]) -> list[int]:
    """incr_windows for any other Django cache (the in-memory fallback, or local development)."""
    values = []
    for key, delta, ttl in counts:
        cache.add(key, 0, ttl)
        try:
            values.append(cache.incr(key, delta))
        except ValueError:  # expired between add and incr: a new window
            cache.set(key, delta, ttl)
            values.append(delta)
    return values


RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    """``"10/h"`` or ``"50/5m"``: so many per fixed window of so many seconds."""

    limit: int
    period: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        match = RATE.match(text.strip())
        if not match:
            raise ValueError(f"bad rate {text!r}")
        count, multiplier, unit = match.groups()
        return cls(limit=int(count), period=int(multiplier or 1) * UNIT_SECONDS[unit])

    def window_key(self, name: str, now: float | None = None) -> str:
        return f"{name}:{self.period}:{int((now or time.time()) // self.period)}"


def counters_add(cache: Any, counts: Sequence[tuple[str, int, int]]) -> list[int]:
    """Add to several window counters in one round trip where the cache allows it."""
    if isinstance(cache, FailOpenRedisCache):
        return cache.incr_windows(counts)
    return local_incr_windows(cache, counts)
