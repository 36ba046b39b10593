"""What the tracking page tells a citizen, in plain words: one status, the outcome, and what comes next.

A complaint has a status (received, accepted, rejected, duplicate) and its case another (new … closed).
Shown side by side they read as a contradiction ("Received" beside "Closed"), so the citizen reads one
status, worked out here from both. The words are built when the page renders, in its language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop

from .models import Case, Complaint


@dataclass(frozen=True)
class TrackFacts:
    """The plain data the words are built from: codes and dates, nothing a member of staff wrote."""

    complaint_status: str
    case_status: str
    outcome: str  # a Case.Outcome code, "" while the case is open
    due_at: datetime | None  # when the current step should be done
    response_due_at: datetime | None  # when the platform must answer
    platform_responded_at: datetime | None
    closed_at: datetime | None


def day(moment: datetime | date) -> str:
    """A date as the citizen reads it ("3 December 2026", "3 دسمبر 2026"), in the local calendar."""
    value = timezone.localdate(moment) if isinstance(moment, datetime) else moment
    return formats.date_format(value, "j F Y")


def track_status(facts: TrackFacts) -> str:
    if facts.complaint_status == Complaint.Status.REJECTED:
        return gettext("Not taken up")
    labels: dict[str, str] = {
        Case.Status.NEW: gettext("Received, waiting for review"),
        Case.Status.IN_REVIEW: gettext("Being reviewed by our staff"),
        Case.Status.REFERRED_TO_PLATFORM: gettext("Being sent to the platform"),
        Case.Status.AWAITING_PLATFORM: gettext("Waiting for the platform's answer"),
        Case.Status.PLATFORM_RESPONDED: gettext("The platform has answered; we are checking its answer"),
        Case.Status.ESCALATED: gettext("Being reviewed by a senior officer"),
        Case.Status.CLOSED: gettext("Closed"),
    }
    return labels.get(facts.case_status, gettext("Received, waiting for review"))


# gettext_noop marks the sentences for the catalogue; they are translated when the page renders.
OUTCOME_TEXT: dict[str, tuple[str, bool]] = {
    Case.Outcome.REINSTATED: (gettext_noop("The platform restored the account on %(date)s."), True),
    Case.Outcome.PARTIALLY_REINSTATED: (
        gettext_noop("The platform partly restored the account or its content on %(date)s."),
        True,
    ),
    Case.Outcome.RESTRICTION_UPHELD: (
        gettext_noop("On %(date)s the platform decided to keep its restriction in place."),
        True,
    ),
    Case.Outcome.RESTRICTION_MODIFIED: (gettext_noop("On %(date)s the platform changed its restriction."), True),
    Case.Outcome.WITHHELD_IN_COUNTRY_ONLY: (
        gettext_noop("Since %(date)s the account is withheld in Pakistan only and can be seen elsewhere."),
        True,
    ),
    Case.Outcome.NO_RESPONSE: (
        gettext_noop("The platform did not answer us in time. We closed the complaint on %(date)s."),
        False,
    ),
    Case.Outcome.WITHDRAWN: (gettext_noop("The complaint was withdrawn on %(date)s."), False),
    Case.Outcome.NOT_PURSUED: (gettext_noop("We closed the complaint on %(date)s without taking it further."), False),
}


def track_outcome(facts: TrackFacts) -> str:
    """The result, once the case is closed; "" before. A platform's decision is dated by its answer."""
    if facts.complaint_status == Complaint.Status.REJECTED or facts.case_status != Case.Status.CLOSED:
        return ""
    text, platform_decided = OUTCOME_TEXT.get(facts.outcome, OUTCOME_TEXT[Case.Outcome.NOT_PURSUED])
    when = (facts.platform_responded_at if platform_decided else None) or facts.closed_at
    return gettext(text) % {"date": day(when) if when else ""}


def track_next(facts: TrackFacts) -> str:
    """What happens next, with the date it is expected by when there is one."""
    if facts.complaint_status == Complaint.Status.REJECTED or facts.case_status == Case.Status.CLOSED:
        return gettext(
            "Nothing more happens with this complaint. If the platform acts against you again, file a new one."
        )
    if facts.case_status == Case.Status.AWAITING_PLATFORM and facts.response_due_at:
        return gettext("The platform must answer by %(date)s. We will tell you what it decides.") % {
            "date": day(facts.response_due_at)
        }
    steps: dict[str, str] = {
        Case.Status.NEW: gettext("We check the complaint and decide whether to take it up with the platform."),
        Case.Status.IN_REVIEW: gettext("We decide whether to take the complaint up with the platform."),
        Case.Status.REFERRED_TO_PLATFORM: gettext("We send our letter to the platform."),
        Case.Status.AWAITING_PLATFORM: gettext("The platform answers our letter. We will tell you what it decides."),
        Case.Status.PLATFORM_RESPONDED: gettext("We check the platform's answer and tell you the result."),
        Case.Status.ESCALATED: gettext("A senior officer decides the next step with the platform."),
    }
    step = steps.get(facts.case_status, steps[Case.Status.NEW])
    if facts.due_at is None:
        return step
    return gettext("%(step)s Expected by %(date)s.") % {"step": step, "date": day(facts.due_at)}
