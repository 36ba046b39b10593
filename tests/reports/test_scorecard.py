"""The scorecard's figures against a month of correspondence worked out by hand (conftest.x_month)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Case
from reports.selectors import Period, scorecard

pytestmark = pytest.mark.django_db


def last_30_days() -> Period:
    today = timezone.localdate()
    return Period(today - timedelta(days=29), today)


def test_scorecard_counts_letters_accounts_replies_and_restorations_by_their_definitions(x_month, x_platform):
    [row] = scorecard(period=last_30_days()).values()

    assert row.platform_id == x_platform.pk
    assert row.letters_sent == 4  # the automatic reminder is not a letter of its own
    assert row.accounts_referred == 4  # b1 was referred twice (reopened) and counts once
    assert (row.letters_replied, row.reply_rate) == (3, 0.75)
    assert sorted(row.days_to_reply) == [2, 4, 6] and row.median_days_to_reply == 4
    assert (row.letters_replied_on_time, row.replies_on_time_share) == (1, 0.333)
    assert (row.letters_due, row.letters_no_reply_by_deadline, row.no_reply_by_deadline_share) == (3, 2, 0.667)
    assert (row.accounts_closed, row.accounts_restored, row.restoration_rate) == (2, 1, 0.5)


def test_an_acknowledgement_alone_is_no_reply(x_month, x_platform):
    x_month.letters["D"].replies.create(
        received_at=timezone.now(), kind="ACKNOWLEDGEMENT", text="We have received your letter."
    )
    [row] = scorecard(period=last_30_days()).values()
    assert row.letters_replied == 3


def test_a_lawful_extension_that_moves_the_deadline_makes_a_late_reply_timely(x_month):
    letter_a = x_month.letters["A"]
    letter_a.response_due_at = letter_a.date_sent + timedelta(days=5)  # extended by two days
    letter_a.save(update_fields=["response_due_at"])
    [row] = scorecard(period=last_30_days()).values()
    assert row.letters_replied_on_time == 2
    assert row.letters_no_reply_by_deadline == 1  # only C now


def test_a_reopened_case_leaves_the_restoration_rate_until_it_is_closed_again(x_month):
    b1 = x_month.cases["b_one"]
    assert b1.status == Case.Status.AWAITING_PLATFORM
    [row] = scorecard(period=last_30_days()).values()
    assert row.accounts_closed == 2


def test_the_period_selects_letters_by_the_day_they_were_sent(x_month):
    today = timezone.localdate()
    [row] = scorecard(period=Period(today - timedelta(days=12), today)).values()
    assert (row.letters_sent, row.accounts_referred) == (3, 2)  # B, C and D; b1 and c1
    assert scorecard(period=Period(today - timedelta(days=200), today - timedelta(days=100))) == {}


def test_by_month_rows_split_the_letters_by_their_month_of_sending(x_month):
    today = timezone.localdate()
    rows = scorecard(period=Period(today - timedelta(days=29), today), by_month=True)
    assert sum(r.letters_sent for r in rows.values()) == 4
    assert {month for _platform, month in rows} <= {(today - timedelta(days=n)).replace(day=1) for n in (20, 10, 6, 2)}
