"""Every figure the dashboard, the scorecard, the reports and the public statistics show, with the
definition printed next to it. docs/reports.md repeats them; keep the two in step."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    definition: str | Promise
    is_rate: bool = False


SCORECARD: list[Figure] = [
    Figure(
        "letters_sent",
        _("Letters sent"),
        _(
            "Letters to the platform sent in the period: reinstatement requests, information requests and "
            "escalations. Automatic reminders are not counted as letters."
        ),
    ),
    Figure(
        "accounts_referred",
        _("Accounts referred"),
        _(
            "Distinct cases (one platform account each) named in those letters. A case referred twice, for "
            "example after it was reopened, counts once."
        ),
    ),
    Figure(
        "reply_rate",
        _("Reply rate"),
        _(
            "Share of the letters sent that have had a reply, at any time. Only a decision or a request for "
            "information is a reply; an acknowledgement is not. A reply to a reminder answers the letter."
        ),
        is_rate=True,
    ),
    Figure(
        "median_days_to_reply",
        _("Median days to a reply"),
        _(
            "Median, over the letters that had a reply, of the calendar days (Pakistan time) from the letter's "
            "sending to the receipt of its first reply. Acknowledgements do not stop the clock."
        ),
    ),
    Figure(
        "replies_on_time_share",
        _("Replies on time"),
        _(
            "Share of those replies received by the letter's deadline. The deadline is the letter's response "
            "date as it stands: a lawful extension moves it, so a reply within an extension is on time. "
            "Reminders do not move it."
        ),
        is_rate=True,
    ),
    Figure(
        "restoration_rate",
        _("Restoration rate"),
        _(
            "Of the accounts referred whose case is now closed, the share closed as restored or partly "
            "restored. A reopened case counts once, with its latest outcome; a case open again is not counted."
        ),
        is_rate=True,
    ),
    Figure(
        "no_reply_by_deadline_share",
        _("No reply by the deadline"),
        _(
            "Of the letters whose deadline has passed, the share with no reply by that deadline (none at all, "
            "or only an acknowledgement, or a reply that came later). Letters not yet due are left out."
        ),
        is_rate=True,
    ),
    Figure(
        "notices_received",
        _("Advance notices received"),
        _(
            "Advance notices from the platform received in the period (by the day, Pakistan time, they "
            "arrived): each is the platform's notice that it intends to act against one account."
        ),
    ),
    Figure(
        "median_notice_period_days",
        _("Median notice period"),
        _(
            "Median, over the notices received in the period, of the calendar days (Pakistan time) from the "
            "notice's receipt to the date from which the platform proposed to act."
        ),
    ),
    Figure(
        "answered_in_time_share",
        _("Notices answered in time"),
        _(
            "Of the notices whose response deadline fell in the period and has passed, or that were already "
            "answered, the share whose first response (no objection, objection or request for information) "
            "was sent by the deadline. A notice that lapsed unanswered, or was answered late, is not answered "
            "in time. Notices still open and not yet due are left out."
        ),
        is_rate=True,
    ),
    Figure(
        "objections_respected_share",
        _("Objections respected"),
        _(
            "Of the notices received in the period to which the regulator objected and for which the platform "
            "has reported what it finally did, the share it withdrew. Going ahead, or acting in a modified "
            "form, does not respect the objection. Objections with no final action yet, or only a "
            "postponement, are left out until the platform reports one."
        ),
        is_rate=True,
    ),
    Figure(
        "suspensions_without_notice",
        _("Suspensions without any notice"),
        _(
            "Distinct accounts that the platform suspended, terminated, locked or withheld in Pakistan in the "
            "period (by the date of its action, from complaints), on or after the day it agreed to give "
            "advance notice, with no advance notice about the account at all: none linked to the complaint "
            "or its case, and none from the platform naming the handle or its account ID. An account "
            "complained about twice counts once. Not shown for a platform with no such agreement."
        ),
    ),
]

COMPLAINTS_RECEIVED = Figure(
    "complaints_received",
    _("Complaints received"),
    _("Complaints received in the period, by the day (Pakistan time) they arrived, whatever became of them."),
)
CASES_CLOSED = Figure(
    "cases_closed",
    _("Cases closed"),
    _(
        "Cases closed in the month, by outcome. A case closed, reopened and closed again counts once, in the month "
        "of its latest closing."
    ),
)
