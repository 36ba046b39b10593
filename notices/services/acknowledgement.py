"""The acknowledgement of a new complaint: queued inside the citizen's submission, rendered by the worker.

It is on the intake's hot path, so the request writes it with a single statement: the outbox rows
(``INSERT … ON CONFLICT DO NOTHING``, so a signal sent twice queues nothing more, and no savepoint is
needed), the case's NOTICE events for the rows actually inserted, and the lookup of advance notices
about the same account, as one statement with two data-modifying CTEs. The rows are written in the
complaint's transaction (an accepted complaint is never without its acknowledgement); their subject
and body stay empty until the worker renders them at send time (``citizen_render_queued``) and stores
them, encrypted like every notice body.

Under a campaign the worker sends them in batches (``acknowledgements_send``): the web processes
publish one batch task per ``NOTICE_ACK_BATCH_SECONDS`` between them rather than one task per
notice, so the worker's per-task cost is paid once for many submissions. A batch (``batch.notices_send_batch``)
claims its rows in one statement, renders them, stores their texts in one more and records the sends
in a third, where one by one it took seven statements a notice. Its claim is the conditional update
every send makes, so a second batch, the sweeper's per-notice publish or a redelivered message never
sends a row twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from complaints.models import CaseEvent, Complaint
from regulator_portal.batching import batch_publish_due

from .. import selectors
from ..models import AdvanceNotice, Channel, Notice
from .advance import advance_notice_link
from .batch import notices_send_batch
from .citizen import citizen_notify
from .outbox import notice_send, publishing_pause, publishing_paused, task_publish

logger = logging.getLogger(__name__)

KIND = "acknowledgement"
# A batch sends at most this many; a fuller outbox gets the next batch published at once.
BATCH_LIMIT = 500

_SQL = """
WITH notice AS (
    INSERT INTO notices_notice (
        channel, recipient_kind, address, complaint_id, case_id, kind, language, subject, body,
        idempotency_key, status, attempts, next_attempt_at, last_error_kind, last_error,
        provider_message_id, possible_duplicate, created_at
    )
    SELECT channel, %(recipient)s, address, %(complaint)s, %(case)s, %(kind)s, %(language)s, '', '',
        idempotency_key, %(status)s, 0, %(now)s, '', '', '', false, %(now)s
    FROM UNNEST(%(channels)s::varchar[], %(addresses)s::text[], %(keys)s::varchar[])
        AS queued (channel, address, idempotency_key)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id, channel
), event AS (
    INSERT INTO complaints_caseevent (case_id, complaint_id, kind, data, created_at)
    SELECT %(case)s, %(complaint)s, %(event_kind)s,
        jsonb_build_object('notice', id, 'kind', %(kind)s, 'channel', channel, 'recipient', %(recipient)s), %(now)s
    FROM notice
    WHERE %(case)s IS NOT NULL
)
SELECT id, NULL FROM notice
UNION ALL
SELECT NULL, id FROM notices_advancenotice
WHERE platform_id = %(platform)s AND (account_handle_normalized = %(handle)s OR puid = %(puid)s)
"""


def citizen_acknowledge(*, complaint: Complaint) -> list[int]:
    """Queue the acknowledgement (email if given, else SMS; both with NOTICE_SMS_ALSO_WHEN_EMAIL) in the
    caller's transaction, publish it after the commit, and link any advance notice about the account.

    Returns the ids of the notices queued now (none if this complaint's were queued before).
    """
    if connection.vendor != "postgresql":
        # The embedded first look (SQLite) has no UNNEST: the general path, rendered in the request.
        notices = citizen_notify(complaint=complaint, kind=KIND, event_key=KIND)
        for advance_notice in selectors.advance_notices_for_complaint(complaint=complaint):
            advance_notice_link(notice=advance_notice, complaint=complaint)
        return [notice.pk for notice in notices]
    channels = [Channel.EMAIL] if complaint.email else [Channel.SMS]
    if complaint.email and settings.NOTICE_SMS_ALSO_WHEN_EMAIL:
        channels.append(Channel.SMS)
    address_field = Notice._meta.get_field("address")
    addresses = [
        address_field.get_db_prep_save(complaint.email if channel == Channel.EMAIL else complaint.mobile, connection)
        for channel in channels
    ]
    params: dict[str, Any] = {
        "recipient": Notice.RecipientKind.CITIZEN,
        "complaint": complaint.pk,
        "case": complaint.case_id,
        "kind": KIND,
        "language": complaint.preferred_language if complaint.preferred_language in {"ur", "en"} else "ur",
        "status": Notice.Status.QUEUED,
        "now": timezone.now(),
        "channels": [str(channel) for channel in channels],
        "addresses": addresses,
        "keys": [f"complaint:{complaint.pk}:{KIND}:{channel}" for channel in channels],
        "event_kind": CaseEvent.Kind.NOTICE,
        "platform": complaint.platform_id,
        "handle": complaint.account_handle_normalized,
        # NULL matches no row, where "" would match every advance notice recorded without an id.
        "puid": complaint.platform_account_id or None,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        rows = cursor.fetchall()
    queued = [notice_id for notice_id, _advance in rows if notice_id is not None]
    if queued:
        transaction.on_commit(acknowledgements_publish)
    # A complaint about an account that had an advance notice shows that notice to its caseworker.
    advance = [advance_id for _notice, advance_id in rows if advance_id is not None]
    if advance:  # nearly always empty, and even an empty query costs the ORM most of a millisecond
        for notice in AdvanceNotice.objects.filter(pk__in=advance).order_by("response_due_at", "pk"):
            advance_notice_link(notice=notice, complaint=complaint)
    return queued


def acknowledgements_publish() -> None:
    """After a submission commits: have a worker send its acknowledgement. Never raises.

    The batch task runs NOTICE_ACK_BATCH_SECONDS after its publish, so it finds this notice, committed
    before the decision, and those of the submissions, in any web process, that skip publishing until
    then (regulator_portal.batching).
    A lost publish leaves the rows QUEUED for the sweeper, as any notice's.
    """
    from ..tasks import acknowledgements_send_task  # tasks.py imports this package

    if publishing_paused():
        return
    window = settings.NOTICE_ACK_BATCH_SECONDS
    if not current_app.conf.task_always_eager and not batch_publish_due(name="acknowledgements", window=window):
        return
    try:
        task_publish(acknowledgements_send_task, countdown=window)
    except Exception:  # any broker failure: the rows stay QUEUED and notice_sweep publishes them later
        logger.warning("acknowledgements not published; the sweeper will publish them", exc_info=True)
        publishing_pause()


def acknowledgements_send(*, limit: int = BATCH_LIMIT) -> dict[str, int]:
    """Send the queued acknowledgements, oldest first; returns how many ended in each status.

    The channel's rate limit ends the batch, which is published again once it allows more; a notice
    whose send failed goes on with its own retries (notice_send_task), as any notice does.
    """
    from ..tasks import acknowledgements_send_task, notice_send_task  # tasks.py imports this package

    if connection.vendor != "postgresql":
        return _send_one_by_one(limit=limit)
    batch = notices_send_batch(kind=KIND, limit=limit)
    for notice_id, retry_in in batch.retries.items():
        _publish_quietly(notice_send_task, (notice_id,), countdown=retry_in)
    if batch.throttled:
        _publish_quietly(acknowledgements_send_task, countdown=1.0)
    elif batch.more:
        _publish_quietly(acknowledgements_send_task, countdown=0)
    return batch.outcomes


def _send_one_by_one(*, limit: int) -> dict[str, int]:
    """The embedded default (SQLite, eager tasks): each notice as notice_send_task would send it."""
    outcomes: Counter[str] = Counter()
    for notice_id in selectors.notices_queued(kind=KIND, limit=limit):
        result = notice_send(notice_id=notice_id)
        outcomes[result.status] += 1
    return dict(outcomes)


def _publish_quietly(task: Any, args: tuple[Any, ...] = (), *, countdown: float | None) -> None:
    try:
        task_publish(task, args, countdown=countdown)
    except Exception:  # the rows stay QUEUED or FAILED, and the sweeper publishes them when due
        logger.warning("a retry of the acknowledgements was not published; the sweeper will", exc_info=True)
