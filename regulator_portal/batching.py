"""One batch task per window for all web processes together, where each process published its own.

A submission's acknowledgement and its new case's assignment are done by batch tasks (docs/intake.md):
after its commit, a web process must make sure that some batch task runs after that commit. The
first process to commit in a window takes a shared key in Redis for 0.8 of the window and publishes
a task that runs a whole window later. Another process that finds the key taken knows that task runs
at least 0.2 of a window from now, so its own commit, already done, is covered; it skips the broker,
and asks Redis again only after those 0.2 of a window. Five web processes under a campaign publish
about one task a window instead of five, and the worker's cost per task is paid that much less often.

The key lives in the rate-limit cache, which fails open to the process's own memory: with Redis
unreachable, each process takes its own key, which is how it worked before. (The publish then fails
too, and the sweeps pick the rows up.) A task runs by the worker's clock: hosts whose clocks disagree
by more than a fifth of the window can leave a row for the sweep, late, never lost.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches

from .ratelimit import FailOpenRedisCache

# Per process: the batch task of this name is already published, by this process or another, and runs
# after this moment (time.monotonic()).
_covered_until: dict[str, float] = {}

HOLD = 0.8  # of the window: how long the shared key stands after a publish
COVERED_AFTER_LOSING = 0.2  # of the window: how long another's publish is sure to be still ahead


def batch_publish_due(*, name: str, window: float) -> bool:
    """Whether this process is to publish the batch task ``name`` (run ``window`` seconds after) now.

    True means the caller publishes; if that fails it pauses publishing, and the sweep repairs.
    """
    now = time.monotonic()
    if now < _covered_until.get(name, 0.0):
        return False
    store = caches[settings.RATELIMIT_USE_CACHE]
    key = f"batch:{name}"
    if isinstance(store, FailOpenRedisCache):
        won = store.add_briefly(key, HOLD * window)
    else:  # the embedded default's in-memory cache, which keeps fractions of a second
        won = store.add(key, 1, HOLD * window)
    _covered_until[name] = now + (HOLD if won else COVERED_AFTER_LOSING) * window
    return won
