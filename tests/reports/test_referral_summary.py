"""The dashboard reads the accounts referred, closed and restored from the referral summary that beat
rebuilds: its figures must be the live join's, for any period, month split and platform filter."""

from __future__ import annotations

import io
import random
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from complaints.models import Case, Platform
from notices.models import Letter, LetterCase, LetterType
from reports.models import ReferralDaySummary
from reports.selectors import Period, scorecard
from reports.services import referral_summary_refresh

from .test_scorecard import last_30_days

pytestmark = pytest.mark.django_db


def both(**kwargs) -> tuple[dict, dict]:
    live = {key: row.figures() for key, row in scorecard(**kwargs).items()}
    summarised = {key: row.figures() for key, row in scorecard(referrals_from_summary=True, **kwargs).items()}
    return live, summarised


def test_the_summary_gives_the_hand_worked_month_its_known_answers(x_month, x_platform):
    referral_summary_refresh()
    [row] = scorecard(period=last_30_days(), referrals_from_summary=True).values()
    # b1 was referred twice (reopened) and counts once; 2 accounts closed, 1 restored (b1 is open again).
    assert (row.accounts_referred, row.accounts_closed, row.accounts_restored) == (4, 2, 1)
    today = timezone.localdate()
    [row] = scorecard(period=Period(today - timedelta(days=12), today), referrals_from_summary=True).values()
    assert row.accounts_referred == 2  # b1 and c1: b1's earlier referral is before the period
    live, summarised = both(period=last_30_days(), by_month=True)
    assert summarised == live


def test_summary_figures_equal_the_live_join_for_any_period_month_and_platform():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_bulk", complaints=400, caseworkers=2, processes=1, stdout=io.StringIO())
    rng = random.Random(7)
    now = timezone.now()
    platforms = list(Platform.objects.values_list("pk", flat=True))
    cases = {p: list(Case.objects.filter(platform_id=p).values_list("pk", flat=True)[:25]) for p in platforms}
    # Letters over four months, naming few cases often: the same case referred again the same day,
    # the next week and months later, reminders (not letters), and an unsent draft (not counted).
    for n in range(90):
        platform = rng.choice(platforms)
        sent = now - timedelta(days=rng.randrange(0, 120), hours=rng.randrange(0, 24))
        kind = LetterType.REMINDER if n % 15 == 0 else LetterType.REINSTATEMENT_REQUEST
        letter = Letter.objects.create(
            letter_type=kind,
            our_reference=f"PTA-LT-{n:04d}",
            platform_id=platform,
            legal_basis="PECA 2016 s.37",
            subject="Reinstatement request",
            body="…",
            status=Letter.Status.DRAFT if n % 17 == 0 else Letter.Status.SENT,
            date_sent=None if n % 17 == 0 else sent,
            response_due_at=sent + timedelta(hours=72),
        )
        named = rng.sample(cases[platform], rng.randrange(1, 6))
        LetterCase.objects.bulk_create([LetterCase(letter=letter, case_id=pk) for pk in named])
    Case.objects.filter(pk__in=cases[platforms[0]][:5]).update(status=Case.Status.CLOSED, outcome="REINSTATED")
    Case.objects.filter(pk__in=cases[platforms[0]][5:8]).update(status=Case.Status.IN_REVIEW, outcome="")
    assert referral_summary_refresh() > 0
    today = timezone.localdate()
    periods = [Period(today - timedelta(days=119), today), last_30_days(), Period(today, today)]
    periods += [
        Period(today - timedelta(days=a + b), today - timedelta(days=a)) for a, b in ((3, 40), (17, 9), (50, 33))
    ]
    for period in periods:
        for by_month in (False, True):
            for platform_ids in (None, platforms[:1], platforms[1:3]):
                live, summarised = both(period=period, by_month=by_month, platform_ids=platform_ids)
                assert summarised == live, (period, by_month, platform_ids)
    live, _summarised = both(period=periods[0], by_month=True)
    assert sum(figures["accounts_referred"] for figures in live.values()) > 50  # the comparison saw data


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_started_during_another_waits_and_leaves_one_copy(x_month):
    referrals = LetterCase.objects.exclude(letter__letter_type=LetterType.REMINDER).exclude(letter__date_sent=None)

    def second() -> None:
        try:
            referral_summary_refresh()
        finally:
            connection.close()

    with transaction.atomic():
        referral_summary_refresh()
        other = threading.Thread(target=second)
        other.start()
        other.join(timeout=1)
        assert other.is_alive()  # it waits for this rebuild to commit
    other.join(timeout=30)
    assert not other.is_alive()
    assert ReferralDaySummary.objects.aggregate(n=Sum("referrals"))["n"] == referrals.count() == 5
