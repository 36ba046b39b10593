"""Notices to citizens and staff, rendered from the project's own (file) templates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.template import Context, Engine
from django.utils import translation

from complaints.models import Case, Complaint
from regulator_portal.context_processors import regulator_name

from .. import selectors
from ..models import (
    Channel,
    Notice,
)
from .outbox import notice_queue


def _render(template_name: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """A plain-text template whose first line is the subject. No HTML escaping: these are not HTML."""
    with translation.override(language):
        base = {"regulator_name": regulator_name(), "regulator_short_name": settings.REGULATOR_SHORT_NAME}
        template = Engine.get_default().get_template(template_name)
        text = template.render(Context({**base, **context}, autoescape=False))
    subject, _sep, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


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
    subject, body = _render(
        f"notices/citizen/{kind}.{language}.txt",
        language,
        {"complaint": complaint, "case": complaint.case, "platform": complaint.platform.name, **(context or {})},
    )
    channels = [Channel.EMAIL] if complaint.email else [Channel.SMS]
    if complaint.email and settings.NOTICE_SMS_ALSO_WHEN_EMAIL and not email_only:
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
