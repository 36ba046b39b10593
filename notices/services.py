"""Every write in the notices app: the outbox, its sender and sweeper, letters and replies.

The outbox contract: a Notice row is written in the caller's transaction and published to Celery only
after the commit. Publishing is best effort; the beat sweeper (notice_sweep) re-publishes whatever
was not sent. Sending claims the row with a conditional update, so any number of duplicate task
messages send a notice at most once per claim.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template import Context, Engine, Template
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu import Connection

from complaints.models import Case, CaseEvent, Complaint, PlatformContact
from complaints.models import InvalidTransition as CaseInvalidTransition
from complaints.services import case_event_add, case_transition, complaint_pii_export_record, reference_next
from regulator_portal.context_processors import regulator_name

from . import selectors
from .models import (
    Channel,
    Letter,
    LetterCase,
    LetterTemplate,
    LetterType,
    Notice,
    Reply,
    ReplyAttachment,
    ReplyCaseOutcome,
)
from .sms import SmsMessage, sms_backend

logger = logging.getLogger(__name__)

SWEEP_BATCH = 1000


class LetterError(Exception):
    """A letter action that cannot be done; the message is shown to the member of staff."""


# --- The outbox ----------------------------------------------------------------------------------


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
    global _publish_paused_until
    if time.monotonic() < _publish_paused_until:
        logger.info("notice %s not published (broker down a moment ago); the sweeper will publish it", notice_id)
        return
    if not _publish(notice_id):
        _publish_paused_until = time.monotonic() + PUBLISH_PAUSE_SECONDS


def _publish(notice_id: int) -> bool:
    # Imported here because tasks.py imports this module.
    from .tasks import notice_send_task

    try:
        if current_app.conf.task_always_eager:
            # The embedded default has no broker: the task runs here, now that the commit is done.
            notice_send_task.delay(notice_id)
            return True
        # With Redis down, kombu's default connect and publish retries hold the caller (a citizen's
        # request) for about six seconds. One quick connection attempt and no publish retry instead:
        # fail at once and leave the row QUEUED for the sweeper.
        connection: Connection
        with current_app.pool.acquire(block=True, timeout=2) as connection:  # type: ignore[assignment]
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=1)
            # celery-types lacks apply_async's documented ``connection`` argument.
            notice_send_task.apply_async((notice_id,), connection=connection, retry=False)  # type: ignore[call-arg]
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


def _deliver(notice: Notice) -> str:
    """Send through the channel; returns the provider's message id or raises."""
    message_id = notice_message_id(idempotency_key=notice.idempotency_key)
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
    email.send()
    return message_id


def notice_send(*, notice_id: int) -> SendResult:
    """Send one notice if it is ours to send: claim, deliver, record. Failures are recorded on the row."""
    channel = Notice.objects.filter(pk=notice_id).values_list("channel", flat=True).first()
    if channel is None:
        return SendResult("SKIPPED")
    # In the embedded default (no Redis: tasks run in-process, to files) there is no provider to
    # protect, and an eager task that retried on the limit would only spin.
    if not settings.CELERY_TASK_ALWAYS_EAGER and not _rate_allows(channel):
        return SendResult("THROTTLED", retry_in=1.0)
    now = timezone.now()
    # The claim: only one worker can move the row out of QUEUED/FAILED, however many copies of the
    # task message the broker hands out (at-least-once delivery, sweeper re-publishes).
    claimed = Notice.objects.filter(pk=notice_id, status__in=Notice.CLAIMABLE, next_attempt_at__lte=now).update(
        status=Notice.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return SendResult("SKIPPED")
    notice = Notice.objects.select_related("letter").get(pk=notice_id)
    try:
        provider_id = _deliver(notice)
    except Exception as exc:  # SMTP, socket, gateway: every failure is recorded and retried alike
        logger.warning("notice %s attempt %s failed: %s", notice_id, notice.attempts, exc)
        return _notice_failed(notice=notice, error=f"{type(exc).__name__}: {exc}")
    # Whatever happened to the row meanwhile (the sweeper may have reclaimed a slow send), it was sent.
    Notice.objects.filter(pk=notice_id).exclude(status=Notice.Status.SENT).update(
        status=Notice.Status.SENT, sent_at=timezone.now(), provider_message_id=provider_id[:255], last_error=""
    )
    return SendResult(Notice.Status.SENT)


def _notice_failed(*, notice: Notice, error: str) -> SendResult:
    now = timezone.now()
    if notice.attempts >= settings.NOTICE_MAX_ATTEMPTS:
        Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING).update(
            status=Notice.Status.DEAD, last_error=error[:2000]
        )
        return SendResult(Notice.Status.DEAD)
    delay = notice_backoff(attempts=notice.attempts)
    Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING).update(
        status=Notice.Status.FAILED, last_error=error[:2000], next_attempt_at=now + delay
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
        status=Notice.Status.DEAD, possible_duplicate=True, last_error="worker lost while sending"
    )
    retried = reclaimed.update(
        status=Notice.Status.FAILED,
        possible_duplicate=True,
        next_attempt_at=now,
        last_error="worker lost while sending",
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


# --- Notices to citizens and staff ---------------------------------------------------------------


def _render(template_name: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """A plain-text template whose first line is the subject. No HTML escaping: these are not HTML."""
    with translation.override(language):
        base = {"regulator_name": regulator_name(), "regulator_short_name": settings.REGULATOR_SHORT_NAME}
        template = Engine.get_default().get_template(template_name)
        text = template.render(Context({**base, **context}, autoescape=False))
    subject, _sep, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def citizen_notify(
    *, complaint: Complaint, kind: str, event_key: str, context: dict[str, Any] | None = None
) -> list[Notice]:
    """Tell a complainant, in their language: by email if they gave one, else by SMS to their mobile.

    ``event_key`` identifies the event, so a signal that fires twice does not queue twice.
    """
    language = complaint.preferred_language if complaint.preferred_language in {"ur", "en"} else "ur"
    subject, body = _render(
        f"notices/citizen/{kind}.{language}.txt",
        language,
        {"complaint": complaint, "case": complaint.case, "platform": complaint.platform.name, **(context or {})},
    )
    channels = [Channel.EMAIL] if complaint.email else [Channel.SMS]
    if complaint.email and settings.NOTICE_SMS_ALSO_WHEN_EMAIL:
        channels.append(Channel.SMS)
    return [
        notice_queue(
            channel=channel,
            recipient_kind=Notice.RecipientKind.CITIZEN,
            address=complaint.email if channel == Channel.EMAIL else complaint.mobile,
            kind=kind,
            language=language,
            subject=subject,
            body=body,
            idempotency_key=f"complaint:{complaint.pk}:{event_key}:{channel}",
            complaint=complaint,
            case=complaint.case,
        )
        for channel in channels
    ]


# A case status the citizen hears about, and the template that tells them.
CITIZEN_STATUS_NOTICES: dict[str, str] = {
    Case.Status.REFERRED_TO_PLATFORM: "referred",
    Case.Status.PLATFORM_RESPONDED: "platform_responded",
    Case.Status.CLOSED: "closed",
}


def case_status_notify(*, case: Case, new: str) -> list[Notice]:
    kind = CITIZEN_STATUS_NOTICES.get(new)
    if kind is None:
        return []
    # status_changed_at tells a second referral of the same case from the first.
    event_key = f"case:{case.pk}:{new}:{case.status_changed_at.timestamp()}"
    notices: list[Notice] = []
    for complaint in selectors.case_complaints_to_notify(case=case).select_related("platform", "case"):
        notices += citizen_notify(
            complaint=complaint, kind=kind, event_key=event_key, context={"outcome": case.outcome}
        )
    return notices


def case_overdue_notify(*, case: Case, supervisors: Sequence[User]) -> list[Notice]:
    subject, body = _render("notices/staff/case_overdue.en.txt", "en", {"case": case, "platform": case.platform.name})
    due = case.due_at.isoformat() if case.due_at else "none"
    return [
        notice_queue(
            channel=Channel.EMAIL,
            recipient_kind=Notice.RecipientKind.STAFF,
            address=user.email,
            kind="case_overdue",
            language="en",
            subject=subject,
            body=body,
            # One notice per supervisor per overdue step, however often the escalation task runs.
            idempotency_key=f"case:{case.pk}:overdue:{due}:user:{user.pk}",
            case=case,
            user=user,
        )
        for user in supervisors
        if user.email
    ]


# --- Letters -------------------------------------------------------------------------------------


def _letter_render(*, letter_type: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    template = LetterTemplate.objects.filter(letter_type=letter_type, language=language).first()
    if template is None:
        raise LetterError(
            _("There is no %(type)s template in %(language)s; add one under Letter templates.")
            % {"type": LetterType(letter_type).label, "language": language}
        )
    with translation.override(language):
        ctx = Context({"regulator_name": regulator_name(), **context}, autoescape=False)
        return Template(template.subject).render(ctx).strip(), Template(template.body).render(ctx).strip() + "\n"


def _can_be_referred(case: Case) -> bool:
    allowed = Case.TRANSITIONS[case.status]
    return (
        Case.Status.REFERRED_TO_PLATFORM in allowed
        or Case.Status.AWAITING_PLATFORM in allowed
        or case.status == Case.Status.AWAITING_PLATFORM
    )


@transaction.atomic
def letter_draft_for_cases(
    *, cases: Iterable[Case], actor: User, letter_type: str = LetterType.REINSTATEMENT_REQUEST
) -> list[Letter]:
    """One draft letter per platform, each listing every selected case of that platform (a batch letter)."""
    if not actor.has_perm("notices.add_letter"):
        raise PermissionDenied(_("You may not draft letters to platforms."))
    case_list = list(
        Case.objects.select_for_update(of=("self",)).filter(pk__in=[c.pk for c in cases]).select_related("platform")
    )
    if not case_list:
        raise LetterError(_("Select at least one case."))
    refused = [c.reference for c in case_list if not _can_be_referred(c)]
    if refused:
        raise LetterError(
            _("These cases cannot be referred in their current status: %(refs)s.") % {"refs": ", ".join(refused[:20])}
        )
    pending = sorted(
        set(
            LetterCase.objects.filter(
                case__in=case_list, letter__status__in=[Letter.Status.DRAFT, Letter.Status.APPROVED]
            ).values_list("case__reference", flat=True)
        )
    )
    if pending:
        raise LetterError(
            _("These cases are already on a letter that has not been sent: %(refs)s.")
            % {"refs": ", ".join(pending[:20])}
        )
    by_platform: dict[int, list[Case]] = {}
    for case in sorted(case_list, key=lambda c: c.reference):
        by_platform.setdefault(case.platform_id, []).append(case)
    letters = []
    for platform_cases in by_platform.values():
        platform = platform_cases[0].platform
        contact = selectors.platform_primary_contact(platform=platform)
        letter = Letter(
            letter_type=letter_type,
            our_reference=reference_next(scope="letter", label="L"),
            platform=platform,
            contact=contact,
            legal_basis=settings.LETTER_LEGAL_BASIS,
            created_by=actor,
        )
        letter.subject, letter.body = _letter_render(
            letter_type=letter_type,
            language=letter.language,
            context={
                "letter": letter,
                "platform": platform,
                "contact": contact,
                "cases": platform_cases,
                "case_count": len(platform_cases),
                "legal_basis": letter.legal_basis,
            },
        )
        letter.save()
        LetterCase.objects.bulk_create([LetterCase(letter=letter, case=case) for case in platform_cases])
        _letter_events(letter=letter, cases=platform_cases, actor=actor, action="drafted")
        letters.append(letter)
    return letters


def _letter_events(*, letter: Letter, cases: Iterable[Case], actor: User | None, action: str) -> None:
    data = {"letter": letter.pk, "reference": letter.our_reference, "type": letter.letter_type, "action": action}
    for case in cases:
        case_event_add(case=case, kind=CaseEvent.Kind.LETTER, actor=actor, data=data)


def letter_annex_download(*, letter: Letter, actor: User) -> str:
    """The annex as a member of staff downloads it, logged as an export of the details it carries.

    Once sent, the annex is what went out; before that, what would go out now.
    """
    content = letter.annex_csv or letter_annex_csv(letter=letter)
    consenting = [
        complaint
        for case in selectors.letter_cases_for_annex(letter=letter)
        for complaint in case.annex_complaints  # type: ignore[attr-defined]
        if complaint.consent_share_with_platform
    ]
    complaint_pii_export_record(complaints=consenting, actor=actor, export=f"{letter.our_reference} annex")
    return content


def letter_annex_csv(*, letter: Letter) -> str:
    """The annex: one row per case. A complainant's details appear only if they consented to sharing."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "our_reference",
            "case_reference",
            "account_handle",
            "account_url",
            "action",
            "action_date",
            "complaints",
            "complainant_names",
            "complainant_contacts",
        ]
    )
    with translation.override("en"):
        for case in selectors.letter_cases_for_annex(letter=letter):
            complaints: list[Complaint] = case.annex_complaints  # type: ignore[attr-defined]
            first = complaints[0] if complaints else None
            consenting = [c for c in complaints if c.consent_share_with_platform]
            writer.writerow(
                [
                    letter.our_reference,
                    case.reference,
                    case.account_handle,
                    next((c.account_url for c in complaints if c.account_url), ""),
                    first.get_action_type_display() if first else "",
                    first.action_date.isoformat() if first else "",
                    len(complaints),
                    "; ".join(c.full_name for c in consenting),
                    "; ".join(" ".join(filter(None, [c.email, c.mobile])) for c in consenting),
                ]
            )
    return out.getvalue()


@transaction.atomic
def letter_approve(*, letter: Letter, actor: User) -> Letter:
    """A supervisor's approval. Four eyes: nobody approves a letter they drafted themselves."""
    if not actor.has_perm("notices.approve_letter"):
        raise PermissionDenied(_("Only a supervisor can approve a letter."))
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.created_by_id is not None and letter.created_by_id == actor.pk:
        raise LetterError(_("A letter must be approved by someone other than the person who drafted it."))
    letter.check_transition(Letter.Status.APPROVED)
    letter.status = Letter.Status.APPROVED
    letter.approved_by = actor
    letter.approved_at = timezone.now()
    letter.save(update_fields=["status", "approved_by", "approved_at"])
    _letter_events(letter=letter, cases=letter.cases.all(), actor=actor, action="approved")
    return letter


@transaction.atomic
def letter_send(*, letter: Letter, actor: User | None) -> Letter:
    """Send an approved letter through the outbox and move its cases to AWAITING_PLATFORM.

    ``actor`` None is the reminder beat task, which sends pre-approved reminder wording.
    """
    if actor is not None and not actor.has_perm("notices.send_letter"):
        raise PermissionDenied(_("You may not send letters to platforms."))
    letter = Letter.objects.select_for_update(of=("self",)).select_related("platform", "contact").get(pk=letter.pk)
    letter.check_transition(Letter.Status.SENT)
    if letter.channel == Letter.Channel.EMAIL and (letter.contact is None or not letter.contact.email):
        raise LetterError(_("The letter has no platform contact with an email address; choose one first."))
    cases = list(Case.objects.select_for_update().filter(letter_cases__letter=letter).order_by("letter_cases__id"))
    refused = [c.reference for c in cases if not _can_be_referred(c)]
    if refused:
        raise LetterError(
            _("These cases have moved on and cannot be referred: %(refs)s. Remove them or redraft the letter.")
            % {"refs": ", ".join(refused[:20])}
        )
    now = timezone.now()
    due = now + timedelta(hours=letter.platform.response_hours)
    letter.status = Letter.Status.SENT
    letter.date_sent = now
    letter.response_due_at = due
    letter.next_reminder_at = due if letter.letter_type != LetterType.REMINDER else None
    letter.annex_csv = letter_annex_csv(letter=letter)
    letter.save(update_fields=["status", "date_sent", "response_due_at", "next_reminder_at", "annex_csv"])
    if letter.channel == Letter.Channel.EMAIL and letter.contact is not None:
        notice_queue(
            channel=Channel.EMAIL,
            recipient_kind=Notice.RecipientKind.PLATFORM_CONTACT,
            address=letter.contact.email,
            kind=f"letter_{letter.letter_type.lower()}",
            language=letter.language,
            subject=f"[{letter.our_reference}] {letter.subject}",
            body=letter.body,
            idempotency_key=f"letter:{letter.pk}:send",
            letter=letter,
            contact=letter.contact,
        )
    for case in cases:
        if case.status != Case.Status.AWAITING_PLATFORM:
            if Case.Status.REFERRED_TO_PLATFORM in Case.TRANSITIONS[case.status]:
                case = case_transition(
                    case=case, to=Case.Status.REFERRED_TO_PLATFORM, actor=actor, note=letter.our_reference
                )
            case_transition(
                case=case, to=Case.Status.AWAITING_PLATFORM, actor=actor, note=letter.our_reference, response_due_at=due
            )
        elif case.response_due_at is None or case.response_due_at < due:
            # A reminder gives the platform a fresh deadline for the cases it still owes us.
            Case.objects.filter(pk=case.pk).update(response_due_at=due)
    _letter_events(letter=letter, cases=cases, actor=actor, action="sent")
    return letter


@dataclass(frozen=True)
class CaseOutcomeInput:
    case: Case
    action_taken: str = ReplyCaseOutcome.ActionTaken.UNSPECIFIED
    outcome: str = ""  # a Case.Outcome closes the case; blank leaves it PLATFORM_RESPONDED for review


def reply_check(*, letter: Letter, kind: str, outcomes: Sequence[CaseOutcomeInput]) -> None:
    """Raise LetterError if the reply cannot be recorded as given (used by the admin form too)."""
    if letter.status not in {Letter.Status.SENT, Letter.Status.REPLIED}:
        raise LetterError(_("A reply can only be recorded against a letter that was sent."))
    letter_case_ids = set(LetterCase.objects.filter(letter=letter).values_list("case_id", flat=True))
    seen: set[int] = set()
    for item in outcomes:
        if item.case.pk not in letter_case_ids:
            raise LetterError(_("Case %(ref)s is not on this letter.") % {"ref": item.case.reference})
        if item.case.pk in seen:
            raise LetterError(_("Case %(ref)s has two outcomes.") % {"ref": item.case.reference})
        seen.add(item.case.pk)
        target = _reply_target(kind=kind, item=item)
        if target is not None:
            try:
                Case.objects.get(pk=item.case.pk).check_transition(target, outcome=item.outcome)
            except CaseInvalidTransition as exc:
                raise LetterError(f"{item.case.reference}: {exc}") from exc


def _reply_target(*, kind: str, item: CaseOutcomeInput) -> str | None:
    if item.outcome:
        return Case.Status.CLOSED
    if kind == Reply.Kind.ACKNOWLEDGEMENT or item.case.status in {Case.Status.PLATFORM_RESPONDED, Case.Status.CLOSED}:
        # An acknowledgement decides nothing; a case already under review stays there, and a closed
        # one is not reopened by a later reply.
        return None
    return Case.Status.PLATFORM_RESPONDED


@transaction.atomic
def reply_record(
    *,
    letter: Letter,
    received_at: datetime,
    ticket_ref: str,
    text: str,
    outcomes: Sequence[CaseOutcomeInput],
    attachments: Sequence[UploadedFile],
    actor: User,
    kind: str = Reply.Kind.DECISION,
) -> Reply:
    """Record a platform's reply, move each named case on, and (through the status signal) tell its citizens."""
    if not actor.has_perm("notices.add_reply"):
        raise PermissionDenied(_("You may not record replies."))
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    outcomes = [
        CaseOutcomeInput(
            case=Case.objects.select_for_update().get(pk=o.case.pk), action_taken=o.action_taken, outcome=o.outcome
        )
        for o in outcomes
    ]
    reply_check(letter=letter, kind=kind, outcomes=outcomes)
    reply = Reply.objects.create(
        letter=letter,
        received_at=received_at,
        platform_ticket_ref=ticket_ref,
        kind=kind,
        text=text,
        is_timely=letter.response_due_at is None or received_at <= letter.response_due_at,
        recorded_by=actor,
    )
    for upload in attachments:
        attachment = ReplyAttachment(
            reply=reply,
            original_name=(upload.name or "attachment")[:255],
            content_type=(upload.content_type or "")[:100],
            size=upload.size or 0,
        )
        attachment.file.save("reply", upload, save=False)
        attachment.save()
    # The reply answers the letter and, for a reminder, the letter it reminded about: both stop reminding.
    answered = [letter.pk] + ([letter.reminder_of_id] if letter.reminder_of_id else [])
    fields: dict[str, Any] = {"status": Letter.Status.REPLIED, "next_reminder_at": None}
    if ticket_ref:
        fields["platform_ticket_ref"] = ticket_ref
    Letter.objects.filter(pk__in=answered).update(**fields)
    for item in outcomes:
        ReplyCaseOutcome.objects.create(
            reply=reply, case=item.case, action_taken=item.action_taken, outcome=item.outcome
        )
        case_event_add(
            case=item.case,
            kind=CaseEvent.Kind.REPLY,
            actor=actor,
            data={
                "letter": letter.our_reference,
                "reply": reply.pk,
                "kind": kind,
                "action_taken": item.action_taken,
                "outcome": item.outcome,
                "timely": reply.is_timely,
            },
        )
        target = _reply_target(kind=kind, item=item)
        if target is not None:
            case_transition(
                case=item.case,
                to=target,
                actor=actor,
                outcome=item.outcome,
                note=letter.our_reference,
                responded_at=received_at,
            )
    return reply


def letter_remind_overdue() -> int:
    """Beat task: one automatic REMINDER letter per overdue letter per response period. Returns how many."""
    sent = 0
    for letter_id in selectors.letters_due_for_reminder(now=timezone.now()):
        if _letter_remind(letter_id=letter_id) is not None:
            sent += 1
    return sent


@transaction.atomic
def _letter_remind(*, letter_id: int) -> Letter | None:
    now = timezone.now()
    # skip_locked: a second beat (or a slow previous run) holding this letter simply passes it by.
    letter = (
        Letter.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("platform")
        .filter(pk=letter_id, status=Letter.Status.SENT, next_reminder_at__lte=now)
        .first()
    )
    if letter is None:
        return None
    waiting = list(letter.cases.filter(status=Case.Status.AWAITING_PLATFORM).order_by("letter_cases__id"))
    # The next overdue period starts now, whether or not there is anything left to remind about.
    letter.next_reminder_at = now + timedelta(hours=letter.platform.response_hours) if waiting else None
    letter.save(update_fields=["next_reminder_at"])
    if not waiting:
        return None
    reminder = Letter(
        letter_type=LetterType.REMINDER,
        our_reference=reference_next(scope="letter", label="L"),
        platform=letter.platform,
        contact=letter.contact,
        channel=letter.channel,
        legal_basis=letter.legal_basis,
        language=letter.language,
        reminder_of=letter,
        # Reminders use the approved REMINDER template wording and need no second approval.
        status=Letter.Status.APPROVED,
        approved_at=now,
    )
    reminder.subject, reminder.body = _letter_render(
        letter_type=LetterType.REMINDER,
        language=reminder.language,
        context={
            "letter": reminder,
            "original": letter,
            "platform": letter.platform,
            "contact": letter.contact,
            "cases": waiting,
            "case_count": len(waiting),
            "legal_basis": letter.legal_basis,
        },
    )
    reminder.save()
    LetterCase.objects.bulk_create([LetterCase(letter=reminder, case=case) for case in waiting])
    _letter_events(letter=reminder, cases=waiting, actor=None, action="drafted")
    return letter_send(letter=reminder, actor=None)


def idempotency_nonce() -> str:
    """For events with no natural identity (a rejection can be undone and repeated)."""
    return uuid.uuid4().hex
