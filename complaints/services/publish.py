"""Publishing the batch tasks that follow a submission's commit: assignment, and the pictures' re-encoding.

Each is published at most once per window for all web processes together (regulator_portal.batching),
and never holds the citizen: with the broker down, one quick connection attempt fails, publishing
pauses for a few seconds, and beat's sweep does the work.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from celery import current_app

from regulator_portal.batching import batch_publish_due

if TYPE_CHECKING:
    from kombu import Connection

logger = logging.getLogger(__name__)

# After a failed publish, later submissions skip the broker this long instead of each paying a timeout.
PUBLISH_PAUSE_SECONDS = 5.0
_publish_paused_until = 0.0


def batch_task_publish(task: Any, *, name: str, window: float, unpublished: str) -> None:
    """Publish a batch ``task`` to run ``window`` seconds from now, unless one already will (in any
    web process) after this moment. Never raises: a failed publish is logged as ``unpublished`` and
    pauses publishing for a few seconds, and beat's sweep does the work."""
    global _publish_paused_until
    if time.monotonic() < _publish_paused_until:
        return
    try:
        if current_app.conf.task_always_eager:
            task.delay()  # runs here, now that the commit is done
            return
        if not batch_publish_due(name=name, window=window):
            return
        connection: Connection
        with current_app.pool.acquire(block=True, timeout=2) as connection:  # type: ignore[assignment]
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=1)
            task.apply_async(countdown=window, connection=connection, retry=False)
    except Exception:  # any broker failure: the sweep does it later
        _publish_paused_until = time.monotonic() + PUBLISH_PAUSE_SECONDS
        logger.warning(unpublished, exc_info=True)
