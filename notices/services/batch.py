"""Sending many queued notices of one kind at once: the acknowledgements of a campaign's submissions.

``notice_send`` costs seven statements and three cache round trips a notice (the channel's limit,
the claim, the render and its re-read, the send's record). Under a campaign that was most of the
worker's CPU and of its database's. A batch does the same steps for up to ``limit`` notices with a
fixed number of each: one read of what is due, one rate-limit reservation per channel, one claim,
one read of the complaints to render from, one write of the rendered texts and one of the
outcomes. The guarantees are ``notice_send``'s: a row is sent only by the worker whose claim moved
it to SENDING; its text is on record, encrypted, before it leaves; a failure is recorded on the row
and retried with the row's own backoff.

PostgreSQL only (UNNEST); the embedded default sends one by one with ``notice_send``.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from complaints.models import Complaint

from ..failures import DeliveryUncertain, failure_classify
from ..models import Notice
from ..webhooks import WebhookRefused
from .outbox import QUEUED_RENDERERS, SendResult, _deliver, _notice_failed, _recipient_names

logger = logging.getLogger(__name__)

_CLAIM = """
UPDATE notices_notice SET status = %(sending)s, claimed_at = %(now)s, attempts = attempts + 1
WHERE id = ANY(%(ids)s) AND status = ANY(%(claimable)s) AND next_attempt_at <= %(now)s
RETURNING *
"""
_TEXTS = """
UPDATE notices_notice AS n SET subject = t.subject, body = t.body
FROM UNNEST(%(ids)s::bigint[], %(subjects)s::varchar[], %(bodies)s::text[]) AS t (id, subject, body)
WHERE n.id = t.id
"""
# As notice_send: whatever happened to the row meanwhile (the sweeper may have reclaimed a slow
# send), it was sent.
_SENT = """
UPDATE notices_notice AS n SET status = %(sent)s, sent_at = %(now)s, provider_message_id = s.provider_id,
    last_error = '', last_error_kind = ''
FROM UNNEST(%(ids)s::bigint[], %(provider_ids)s::varchar[]) AS s (id, provider_id)
WHERE n.id = s.id AND n.status <> %(sent)s
"""


@dataclass(frozen=True)
class BatchResult:
    outcomes: dict[str, int]  # how many ended in each Notice.Status, and "THROTTLED" left for later
    retries: dict[int, float]  # notice id: seconds until its own retry
    more: bool  # the batch was full: more may be due now
    throttled: bool  # a channel's limit stopped it: more are due in a second


def notices_send_batch(*, kind: str, limit: int) -> BatchResult:
    """Send up to ``limit`` queued notices of ``kind``, oldest first."""
    now = timezone.now()
    due = list(
        Notice.objects.filter(kind=kind, status=Notice.Status.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "channel")[:limit]
    )
    outcomes: Counter[str] = Counter()
    allowed = _rate_take(Counter(channel for _pk, channel in due))
    ids = []
    for pk, channel in due:
        if allowed[channel] > 0:
            allowed[channel] -= 1
            ids.append(pk)
        else:
            outcomes["THROTTLED"] += 1
    claimed = _claim(ids, now)
    unrendered = _render(claimed)
    retries: dict[int, float] = {}
    sent: dict[int, str] = {}
    for notice in claimed:
        result, provider_id = _send_one(notice, unrendered.get(notice.pk))
        outcomes[result.status] += 1
        if provider_id is not None:
            sent[notice.pk] = provider_id
        elif result.retry_in is not None:
            retries[notice.pk] = result.retry_in
    if sent:
        with connection.cursor() as cursor:
            cursor.execute(
                _SENT,
                {
                    "sent": Notice.Status.SENT,
                    "now": timezone.now(),
                    "ids": list(sent),
                    "provider_ids": [provider_id[:255] for provider_id in sent.values()],
                },
            )
    return BatchResult(dict(outcomes), retries, more=len(due) == limit, throttled=bool(outcomes["THROTTLED"]))


def _rate_take(wanted: Counter[str]) -> Counter[str]:
    """How many of each channel this second's limit allows, taken from the shared count at once.

    The count is the one ``notice_send`` keeps (``notices:rate:<channel>:<second>``), so single sends
    and batches share each channel's limit across workers. Like it, it fails open without the cache.
    """
    allowed: Counter[str] = Counter()
    second = int(timezone.now().timestamp())
    for channel, count in wanted.items():
        limit = settings.NOTICE_RATE_LIMITS.get(channel)
        if not limit:
            allowed[channel] = count
            continue
        key = f"notices:rate:{channel}:{second}"
        try:
            cache.add(key, 0, timeout=5)
            total = cache.incr(key, count)
        except Exception:  # the limit protects the provider, not correctness
            logger.warning("rate limit counter unavailable for %s", channel, exc_info=True)
            allowed[channel] = count
            continue
        allowed[channel] = max(0, min(count, limit - (total - count)))
    return allowed


def _claim(ids: list[int], now: object) -> list[Notice]:
    """Move the rows still claimable into SENDING and read them, in one statement (as ``_claim``)."""
    if not ids:
        return []
    params = {
        "sending": Notice.Status.SENDING,
        "now": now,
        "ids": ids,
        "claimable": [str(status) for status in Notice.CLAIMABLE],
    }
    order = {pk: position for position, pk in enumerate(ids)}
    claimed = sorted(Notice.objects.raw(_CLAIM, params), key=lambda notice: order[notice.pk])
    # What the acknowledgement is rendered from, and nothing more: each encrypted field read is a decryption.
    complaints = (
        Complaint.objects.only("reference", "account_handle", "full_name", "platform__name")
        .select_related("platform")
        .in_bulk({notice.complaint_id for notice in claimed if notice.complaint_id})
    )
    for notice in claimed:
        if notice.complaint_id in complaints:
            notice.complaint = complaints[notice.complaint_id]
    return claimed


def _render(claimed: list[Notice]) -> dict[int, Exception]:
    """Render the rows queued without their text and store the texts, in one statement, before any send.

    Returns what failed to render, by notice id: each is recorded as a failed attempt of its own.
    """
    rendered: list[Notice] = []
    failed: dict[int, Exception] = {}
    for notice in claimed:
        if notice.body or notice.kind not in QUEUED_RENDERERS:
            continue
        try:
            subject, body = QUEUED_RENDERERS[notice.kind](notice)
        except Exception as exc:  # noqa: BLE001 - recorded on the row by _send_one, like a failed send
            failed[notice.pk] = exc
            continue
        notice.subject = subject[:255]
        notice.body = body  # type: ignore[assignment]  # the field's stubs type the attribute as the field
        rendered.append(notice)
    if not rendered:
        return failed
    body_field = Notice._meta.get_field("body")
    with connection.cursor() as cursor:
        cursor.execute(
            _TEXTS,
            {
                "ids": [notice.pk for notice in rendered],
                "subjects": [notice.subject for notice in rendered],
                "bodies": [body_field.get_db_prep_save(notice.body, connection) for notice in rendered],
            },
        )
    return failed


def _send_one(notice: Notice, unrendered: Exception | None) -> tuple[SendResult, str | None]:
    """Deliver one claimed notice: (its result, the provider's id if it went out)."""
    try:
        if unrendered is not None:
            raise unrendered
        return SendResult(Notice.Status.SENT), _deliver(notice)
    except Exception as exc:  # SMTP, socket, gateway: every failure is recorded and retried alike
        failure, text = failure_classify(exc, names=_recipient_names(notice))
        logger.warning("notice %s attempt %s failed: %s (%s)", notice.pk, notice.attempts, failure, text)
        result = _notice_failed(
            notice=notice,
            kind=failure,
            error=text,
            permanent=isinstance(exc, WebhookRefused),
            possible_duplicate=isinstance(exc, DeliveryUncertain),
        )
        return result, None
