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
]
# Advance notices (another issue) add their figures here, to this list: notices received, median
# notice period, share answered in time, share of objections respected, suspensions with no notice.
# Each needs a selector in reports/selectors.py feeding ScorecardRow, and a column in the open data.

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
