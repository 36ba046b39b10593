"""Notices to citizens and staff, rendered from the project's own (file) templates.

Nothing a citizen or anyone else typed reaches an SMS: it carries the reference, the status and the
tracking link only, so a "name" written as a message ("Your SIM will be BLOCKED...") cannot be sent
under the regulator's sender ID. An email greets by name only a name that passes greeting_name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.template import Context, Engine
from django.urls import reverse
from django.utils import translation

from complaints.handles import handle_display
from complaints.models import Case, Complaint
from regulator_portal.context_processors import regulator_name

from .. import selectors
from ..models import (
    Channel,
    Notice,
)
from .outbox import QUEUED_RENDERERS, notice_queue


def _render(template_name: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """A plain-text template whose first line is the subject. No HTML escaping: these are not HTML."""
    with translation.override(language):
        base = {"regulator_name": regulator_name(), "regulator_short_name": settings.REGULATOR_SHORT_NAME}
        template = Engine.get_default().get_template(template_name)
        text = template.render(Context({**base, **context}, autoescape=False))
    subject, _sep, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


GREETING_MAX = 60
GREETING_PUNCTUATION = {" ", ".", "'", "-", "\u2019"}
# Letters, a dot and two more letters: a domain (evil.example, bit.ly), which names never contain.
DOMAIN_RE = re.compile(r"[^\W\d_]\.[^\W\d_]{2,}")


def greeting_name(full_name: str) -> str:
    """The name to greet a citizen by, or "" to greet them without one.

    A name is letters of any script (with their combining marks, which Urdu uses), spaces and . ' -,
    at most 60 characters, with no digits and nothing that reads as a web address. complaints' form
    validation may reuse this rule; here it guards what we send under the regulator's name.
    """
    name = " ".join(unicodedata.normalize("NFC", full_name).split())
    if not name or len(name) > GREETING_MAX or DOMAIN_RE.search(name):
        return ""
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        return ""
    for ch in name:
        if ch not in GREETING_PUNCTUATION and unicodedata.category(ch)[0] not in {"L", "M"}:
            return ""
    return name


def citizen_track_url(*, language: str) -> str:
    with translation.override(language):
        return f"{settings.PUBLIC_BASE_URL}{reverse('complaints:track')}"


def citizen_notify(
    *,
    complaint: Complaint,
    kind: str,
    event_key: str,
    context: dict[str, Any] | None = None,
    email_only: bool = False,
) -> list[Notice]:
    """Tell a complainant, in their language: by email if they gave one, else by SMS to their mobile.

    ``event_key`` identifies the event, so a signal that fires twice does not queue twice.
    ``email_only`` is for text staff wrote (an approved rejection note): it never goes by SMS, so a
    complainant without an email is not told it this way (the tracking page shows it).
    """
    if email_only and not complaint.email:
        return []
    language = complaint.preferred_language if complaint.preferred_language in {"ur", "en"} else "ur"
    channels = [Channel.EMAIL] if complaint.email else [Channel.SMS]
    if complaint.email and settings.NOTICE_SMS_ALSO_WHEN_EMAIL and not email_only:
        channels.append(Channel.SMS)
    rendered = {
        channel: citizen_message(complaint=complaint, kind=kind, channel=channel, language=language, context=context)
        for channel in channels
    }
    return [
        notice_queue(
            channel=channel,
            recipient_kind=Notice.RecipientKind.CITIZEN,
            address=complaint.email if channel == Channel.EMAIL else complaint.mobile,
            kind=kind,
            language=language,
            subject=rendered[channel][0],
            body=rendered[channel][1],
            idempotency_key=f"complaint:{complaint.pk}:{event_key}:{channel}",
            complaint=complaint,
            case=complaint.case,
        )
        for channel in channels
    ]


def citizen_message(
    *, complaint: Complaint, kind: str, channel: str, language: str, context: dict[str, Any] | None = None
) -> tuple[str, str]:
    """The subject and body of a message to the complainant; an SMS has no subject."""
    if channel != Channel.EMAIL:
        return "", citizen_sms_render(kind=kind, language=language, reference=complaint.reference)
    # Plain values only, like every template here: no model reaches a template.
    plain = {
        "complaint": {"reference": complaint.reference, "account_handle": handle_display(complaint.account_handle)},
        "reference": complaint.reference,
        "platform": complaint.platform.name,
        "name": greeting_name(complaint.full_name),
        "track_url": citizen_track_url(language=language),
        **(context or {}),
    }
    return _render(f"notices/citizen/{kind}.{language}.txt", language, plain)


def citizen_render_queued(notice: Notice) -> tuple[str, str]:
    """The acknowledgement, rendered by the worker from the complaint its row names (acknowledgement.py)."""
    if notice.complaint is None:
        raise LookupError(f"notice {notice.pk} has no complaint to render its {notice.kind} from")
    return citizen_message(
        complaint=notice.complaint, kind=notice.kind, channel=notice.channel, language=notice.language
    )


QUEUED_RENDERERS["acknowledgement"] = citizen_render_queued


def citizen_sms_render(*, kind: str, language: str, reference: str) -> str:
    """An SMS: the reference, the status (one fixed template per kind and language) and the link."""
    with translation.override(language):
        template = Engine.get_default().get_template(f"notices/citizen/sms/{kind}.{language}.txt")
        context = {
            "regulator_short_name": settings.REGULATOR_SHORT_NAME,
            "reference": reference,
            "track_url": citizen_track_url(language=language),
        }
        return template.render(Context(context, autoescape=False)).strip()


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
