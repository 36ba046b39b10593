"""The outbox: a Notice row is written in the caller's transaction and published to Celery only
after the commit. Publishing is best effort; the beat sweeper (notice_sweep) re-publishes whatever
was not sent. Sending claims the row with a conditional update, so any number of duplicate task
messages send a notice at most once per claim.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu import Connection

from complaints.models import Case, CaseEvent, Complaint, PlatformContact
from complaints.services import case_event_add

from .. import selectors
from ..failures import DeliveryUncertain, FailureKind, failure_classify
from ..mail import mail_send
from ..models import (
    Channel,
    Letter,
    Notice,
)
from ..sms import SmsMessage, sms_backend
from ..webhooks import WebhookRefused
from .webhooks import webhook_deliver

logger = logging.getLogger(__name__)

SWEEP_BATCH = 1000


def notice_message_id(*, idempotency_key: str) -> str:
    """The same Message-ID on every attempt, so a retried send is recognisably the same message."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<{digest}@{domain}>"


# After a failed publish, this process stops trying for a few seconds. A letter to a platform queues
# hundreds of notices in one commit; with the broker unreachable (timing out rather than refusing),
# each attempt would cost seconds and the officer's request would run for minutes. The rows stay
# QUEUED either way, and the sweeper publishes them.
PUBLISH_PAUSE_SECONDS = 5.0
_publish_paused_until = 0.0


def notice_publish(*, notice_id: int) -> None:
    """Hand a notice to Celery after a commit. Never raises: a lost publish is the sweeper's to repair."""
    if publishing_paused():
        logger.info("notice %s not published (broker down a moment ago); the sweeper will publish it", notice_id)
        return
    if not _publish(notice_id):
        publishing_pause()


def publishing_paused() -> bool:
    return time.monotonic() < _publish_paused_until


def publishing_pause() -> None:
    global _publish_paused_until
    _publish_paused_until = time.monotonic() + PUBLISH_PAUSE_SECONDS


def task_publish(task: Task, args: tuple[Any, ...] = (), *, countdown: float | None = None) -> None:
    """Publish ``task`` from a request or a worker; raises if the broker fails.

    With Redis down, kombu's default connect and publish retries hold the caller (a citizen's
    request) for about six seconds. One quick connection attempt and no publish retry instead.
    """
    if current_app.conf.task_always_eager:
        # The embedded default has no broker: the task runs here, now that the commit is done.
        task.delay(*args)
        return
    connection: Connection
    with current_app.pool.acquire(block=True, timeout=2) as connection:  # type: ignore[assignment]
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=1)
        # celery-types lacks apply_async's documented ``connection`` argument. No countdown means no
        # ETA header: the worker takes the message as it comes rather than holding it on a timer.
        if countdown is None:
            task.apply_async(args, connection=connection, retry=False)  # type: ignore[call-arg]
        else:
            task.apply_async(args, countdown=countdown, connection=connection, retry=False)  # type: ignore[call-arg]


def _publish(notice_id: int) -> bool:
    # Imported here because tasks.py imports this module.
    from ..tasks import notice_send_task

    try:
        task_publish(notice_send_task, (notice_id,))
    except Exception:  # any broker failure: the row stays QUEUED and notice_sweep publishes it later
        logger.warning("notice %s not published; the sweeper will publish it", notice_id, exc_info=True)
        return False
    return True


@transaction.atomic
def notice_queue(
    *,
    channel: str,
    recipient_kind: str,
    address: str,
    kind: str,
    language: str,
    subject: str,
    body: str,
    idempotency_key: str,
    complaint: Complaint | None = None,
    case: Case | None = None,
    letter: Letter | None = None,
    contact: PlatformContact | None = None,
    user: User | None = None,
) -> Notice:
    """Write an outbox row in the caller's transaction; publish it once that transaction commits.

    Queuing the same idempotency key twice returns the first row and publishes nothing more.
    """
    notice, created = Notice.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "channel": channel,
            "recipient_kind": recipient_kind,
            "address": address,
            "kind": kind,
            "language": language,
            "subject": subject[:255],
            "body": body,
            "complaint": complaint,
            "case": case,
            "letter": letter,
            "contact": contact,
            "user": user,
        },
    )
    if not created:
        return notice
    if case is not None:
        case_event_add(
            case=case,
            kind=CaseEvent.Kind.NOTICE,
            complaint=complaint,
            data={"notice": notice.pk, "kind": kind, "channel": channel, "recipient": recipient_kind},
        )
    transaction.on_commit(partial(notice_publish, notice_id=notice.pk))
    return notice


@dataclass(frozen=True)
class SendResult:
    status: str  # a Notice.Status, or "SKIPPED" (not ours to send) or "THROTTLED" (over the rate limit)
    retry_in: float | None = None


def _rate_allows(channel: str) -> bool:
    """A one-second window per channel, counted in the shared cache so it holds across workers."""
    limit = settings.NOTICE_RATE_LIMITS.get(channel)
    if not limit:
        return True
    key = f"notices:rate:{channel}:{int(time.time())}"
    try:
        cache.add(key, 0, timeout=5)
        count = cache.incr(key)
    except Exception:  # the limit protects the provider, not correctness: fail open if the cache is down
        logger.warning("rate limit counter unavailable for %s", channel, exc_info=True)
        return True
    return count <= limit


def notice_backoff(*, attempts: int) -> timedelta:
    seconds = settings.NOTICE_BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.NOTICE_BACKOFF_MAX_SECONDS))


# Notice kinds of other apps whose emails carry stored files (reports: the monthly report), by kind.
# Files are read at every attempt, so a retry attaches the same bytes; a provider that raises fails
# the attempt like any other error, so nothing goes out without its attachments.
ATTACHMENT_PROVIDERS: dict[str, Callable[[Notice], list[tuple[str, bytes, str]]]] = {}


# Notice kinds queued without their text (a citizen's acknowledgement, queued in the submission): the
# worker renders the subject and body at send time and stores them on the row (the body encrypted).
QUEUED_RENDERERS: dict[str, Callable[[Notice], tuple[str, str]]] = {}


def _render_queued(notice: Notice) -> None:
    if notice.body or notice.kind not in QUEUED_RENDERERS:
        return
    subject, body = QUEUED_RENDERERS[notice.kind](notice)
    Notice.objects.filter(pk=notice.pk).update(subject=subject[:255], body=body)
    notice.refresh_from_db(fields=["subject", "body"])


def _deliver(notice: Notice) -> str:
    """Send through the channel; returns the provider's message id or raises."""
    message_id = notice_message_id(idempotency_key=notice.idempotency_key)
    if notice.channel == Channel.WEBHOOK:
        return webhook_deliver(notice=notice)
    if notice.channel == Channel.SMS:
        return sms_backend().send(SmsMessage(to=notice.address, body=notice.body, message_id=message_id.strip("<>")))
    email = EmailMessage(
        subject=notice.subject,
        body=notice.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.address],
        headers={"Message-ID": message_id},
    )
    if notice.letter is not None and notice.letter.annex_csv:
        email.attach(f"{notice.letter.our_reference}-annex.csv", notice.letter.annex_csv, "text/csv")
    if notice.kind in ATTACHMENT_PROVIDERS:
        for name, content, mimetype in ATTACHMENT_PROVIDERS[notice.kind](notice):
            email.attach(name, content, mimetype)
    mail_send(email)
    return message_id


def _claim(notice_id: int) -> Notice | None:
    """Move the row out of QUEUED/FAILED into SENDING and read it, in one statement.

    Only one worker can win it, however many copies of the task message the broker hands out
    (at-least-once delivery, sweeper re-publishes): a concurrent claim waits for this statement and
    then finds the row SENDING.
    """
    table = Notice._meta.db_table
    claimable = ", ".join(["%s"] * len(Notice.CLAIMABLE))
    sql = (
        f"UPDATE {table} SET status = %s, claimed_at = %s, attempts = attempts + 1 "  # noqa: S608 - names from the model
        f"WHERE id = %s AND status IN ({claimable}) AND next_attempt_at <= %s RETURNING *"
    )
    # Raw SQL gets no field conversion on the way in: the backend's own form of a datetime.
    now = db_connection.ops.adapt_datetimefield_value(timezone.now())
    rows = list(Notice.objects.raw(sql, [Notice.Status.SENDING, now, notice_id, *Notice.CLAIMABLE, now]))
    return rows[0] if rows else None


def notice_send(*, notice_id: int) -> SendResult:
    """Send one notice if it is ours to send: claim, deliver, record. Failures are recorded on the row."""
    # In the embedded default (no Redis: tasks run in-process, to files) there is no provider to
    # protect, and an eager task that retried on the limit would only spin.
    if not settings.CELERY_TASK_ALWAYS_EAGER and any(settings.NOTICE_RATE_LIMITS.values()):
        channel = Notice.objects.filter(pk=notice_id).values_list("channel", flat=True).first()
        if channel is None:
            return SendResult("SKIPPED")
        if not _rate_allows(channel):
            return SendResult("THROTTLED", retry_in=1.0)
    notice = _claim(notice_id)
    if notice is None:
        return SendResult("SKIPPED")
    try:
        _render_queued(notice)
        provider_id = _deliver(notice)
    except Exception as exc:  # SMTP, socket, gateway: every failure is recorded and retried alike
        kind, error = failure_classify(exc, names=_recipient_names(notice))
        logger.warning("notice %s attempt %s failed: %s (%s)", notice_id, notice.attempts, kind, error)
        # A receiver that refuses the push (a 4xx other than 408/429) will refuse it again: no retries.
        return _notice_failed(
            notice=notice,
            kind=kind,
            error=error,
            permanent=isinstance(exc, WebhookRefused),
            possible_duplicate=isinstance(exc, DeliveryUncertain),
        )
    # Whatever happened to the row meanwhile (the sweeper may have reclaimed a slow send), it was sent.
    Notice.objects.filter(pk=notice_id).exclude(status=Notice.Status.SENT).update(
        status=Notice.Status.SENT,
        sent_at=timezone.now(),
        provider_message_id=provider_id[:255],
        last_error="",
        last_error_kind="",
    )
    return SendResult(Notice.Status.SENT)


def _recipient_names(notice: Notice) -> list[str]:
    """Names a provider's answer may quote back, to be taken out of it."""
    names: list[str] = [str(notice.complaint.full_name)] if notice.complaint else []
    if notice.contact:
        names.append(str(notice.contact.name))
    if notice.user:
        names += [notice.user.get_full_name(), notice.user.username]
    return names


def _notice_failed(
    *, notice: Notice, kind: str, error: str, permanent: bool = False, possible_duplicate: bool = False
) -> SendResult:
    now = timezone.now()
    # The flag only ever goes on: once an attempt may have delivered, every later copy may be a second.
    flag = {"possible_duplicate": True} if possible_duplicate else {}
    if permanent or notice.attempts >= settings.NOTICE_MAX_ATTEMPTS:
        Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING).update(
            status=Notice.Status.DEAD, last_error=error, last_error_kind=kind, **flag
        )
        return SendResult(Notice.Status.DEAD)
    delay = notice_backoff(attempts=notice.attempts)
    Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING).update(
        status=Notice.Status.FAILED, last_error=error, last_error_kind=kind, next_attempt_at=now + delay, **flag
    )
    return SendResult(Notice.Status.FAILED, retry_in=delay.total_seconds())


def notice_sweep() -> dict[str, int]:
    """The safety net, run by beat: reclaim rows whose worker died, re-publish rows nobody is sending."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.NOTICE_SENDING_TIMEOUT_SECONDS)
    stuck = selectors.notices_stuck_sending(claimed_before=cutoff, limit=SWEEP_BATCH)
    # A row stuck in SENDING was claimed by a worker that died (SIGKILL, OOM, lost host) or hung past
    # every timeout. It may have died before or after the provider accepted the message; we cannot
    # tell, so we send again (losing a notice is worse than repeating one) and flag the row so staff
    # and the tests can see where a second copy may have gone out. The Message-ID stays the same.
    reclaimed = Notice.objects.filter(pk__in=stuck, status=Notice.Status.SENDING, claimed_at__lt=cutoff)
    dead = reclaimed.filter(attempts__gte=settings.NOTICE_MAX_ATTEMPTS).update(
        status=Notice.Status.DEAD,
        possible_duplicate=True,
        last_error="worker lost while sending",
        last_error_kind=FailureKind.WORKER_LOST,
    )
    retried = reclaimed.update(
        status=Notice.Status.FAILED,
        possible_duplicate=True,
        next_attempt_at=now,
        last_error="worker lost while sending",
        last_error_kind=FailureKind.WORKER_LOST,
    )
    due_before = now - timedelta(seconds=settings.NOTICE_REPUBLISH_AFTER_SECONDS)
    due = set(selectors.notices_due_for_publish(due_before=due_before, limit=SWEEP_BATCH))
    due.update(pk for pk in stuck if pk not in due)
    # Moving next_attempt_at to now keeps the next sweep from publishing the same rows again until
    # NOTICE_REPUBLISH_AFTER_SECONDS have passed.
    to_publish = Notice.objects.filter(pk__in=due, status__in=Notice.CLAIMABLE)
    ids = sorted(to_publish.values_list("pk", flat=True))
    to_publish.update(next_attempt_at=now)
    published = 0
    for pk in ids:
        if not _publish(pk):
            break  # the broker is failing: the rows stay as they are, and a later sweep publishes them
        published += 1
    return {"reclaimed": retried, "dead": dead, "published": published}


@transaction.atomic
def notice_retry(*, notice: Notice, actor: User | AnonymousUser) -> Notice:
    """A supervisor's second chance for a DEAD notice: back to QUEUED with a fresh set of attempts."""
    if not actor.has_perm("notices.retry_notice"):
        raise PermissionDenied(_("Only a supervisor can retry a dead notice."))
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    notice.check_transition(Notice.Status.QUEUED)
    notice.status = Notice.Status.QUEUED
    notice.attempts = 0
    notice.next_attempt_at = timezone.now()
    notice.save(update_fields=["status", "attempts", "next_attempt_at"])
    if notice.case_id is not None:
        case_event_add(
            case=notice.case,  # type: ignore[arg-type]
            kind=CaseEvent.Kind.NOTICE,
            actor=actor if isinstance(actor, User) else None,
            data={"notice": notice.pk, "kind": notice.kind, "action": "retried"},
        )
    transaction.on_commit(partial(notice_publish, notice_id=notice.pk))
    return notice


def idempotency_nonce() -> str:
    """For events with no natural identity (a rejection can be undone and repeated)."""
    return uuid.uuid4().hex
