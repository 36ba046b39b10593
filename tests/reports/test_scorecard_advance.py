"""The scorecard's advance-notice figures against notices and complaints worked out by hand, on the
dashboard within its query budget, and in the open data with small counts withheld."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from complaints.models import Complaint
from notices.models import AdvanceNotice, AdvanceNoticeEvent
from notices.services import (
    advance_notice_approve,
    advance_notice_final_action,
    advance_notice_lapse_overdue,
    advance_notice_respond,
)
from reports.public import COLUMNS, months
from reports.selectors import Period, scorecard
from tests.advance.conftest import notice_submit
from tests.cases.conftest import verified_client
from tests.factories import complaint_create

from .test_dashboard import DASHBOARD

pytestmark = pytest.mark.django_db
NEW_COLUMNS = [
    "notices_received",
    "median_notice_period_days",
    "answered_in_time_share",
    "objections_respected_share",
    "suspensions_without_notice",
]


def last_30_days() -> Period:
    today = timezone.localdate()
    return Period(today - timedelta(days=29), today)


def notice(platform: Any, handle: str, *, received: datetime, notice_days: int) -> AdvanceNotice:
    return notice_submit(
        platform,
        account_handle=f"@{handle}",
        puid=f"puid-{handle}",
        received_at=received,
        proposed_effective_date=received + timedelta(days=notice_days),
    )


def answered_at(notice: AdvanceNotice, moment: datetime) -> None:
    """Date the answer already sent as if it had gone out at ``moment``."""
    AdvanceNoticeEvent.objects.filter(notice=notice, kind=AdvanceNoticeEvent.Kind.RESPONDED).update(created_at=moment)
    AdvanceNotice.objects.filter(pk=notice.pk).update(responded_at=moment)


def objection(notice: AdvanceNotice, *, zara: Any, sana: Any) -> AdvanceNotice:
    drafted = advance_notice_respond(
        notice=notice, response="OBJECTION", reasons="Political speech.", rule="", actor=zara
    )
    sent = advance_notice_approve(notice=drafted, actor=sana, digest=drafted.response_digest())
    answered_at(sent, sent.received_at + timedelta(hours=2))
    return sent


@pytest.fixture
def agreements(settings: Any) -> date:
    """X agreed to give advance notice 20 days ago; Facebook never did."""
    start = timezone.localdate() - timedelta(days=20)
    settings.ADVANCE_NOTICE_AGREEMENT_START = {"default": None, "x": start, "facebook": None}
    return start


@pytest.fixture
def x_notices(x_platform, facebook_platform, zara, sana, agreements) -> dict[str, AdvanceNotice]:
    """Seven notices from X in the last ten days (48 hours to answer each), and complaints.

    on_time:   received 10 days ago, acts in 3 days; no objection, sent a day later.    -> in time
    late:      9 days ago, 5 days; a request for information an hour after the deadline -> late
    lapsed:    8 days ago, 7 days; never answered, lapsed at its deadline.              -> not in time
    respected: 7 days ago, 2 days; objection in time; X withdrew.                       -> respected
    ignored:   6 days ago, 4 days; objection in time; X proceeded.                      -> not respected
    pending:   5 days ago, 10 days; objection in time; X has not said what it did.      -> left out
    fresh:     today, 3 days; open and not yet due.                                     -> left out of "in time"
    X's scorecard: 7 received; median notice period 4 days (2, 3, 3, 4, 5, 7, 10); 4 of the 6 due
    answered in time; 1 of 2 settled objections respected. Suspensions without any notice: 2 accounts
    (see x_complaints). Facebook sent one notice and has no agreement: no such figure.
    """
    now = timezone.now()
    days = {"on_time": (10, 3), "late": (9, 5), "lapsed": (8, 7), "respected": (7, 2), "ignored": (6, 4)}
    days |= {"pending": (5, 10), "fresh": (0, 3)}
    notices = {
        name: notice(x_platform, name, received=now - timedelta(days=ago), notice_days=period)
        for name, (ago, period) in days.items()
    }
    n = notices["on_time"]
    advance_notice_respond(notice=n, response="NO_OBJECTION", reasons="", rule="", actor=zara)
    answered_at(n, n.received_at + timedelta(days=1))
    n = notices["late"]
    advance_notice_respond(notice=n, response="REQUEST_INFORMATION", reasons="Send the posts.", rule="", actor=zara)
    answered_at(n, n.response_due_at + timedelta(hours=1))
    for name in ("respected", "ignored", "pending"):
        notices[name] = objection(notices[name], zara=zara, sana=sana)
    today = timezone.localdate()
    advance_notice_final_action(notice=notices["respected"], action="WITHDRAWN", date=today, note="", actor=sana)
    advance_notice_final_action(notice=notices["ignored"], action="PROCEEDED", date=today, note="", actor=sana)
    assert advance_notice_lapse_overdue(now=now) == 1  # only "lapsed" was still open past its deadline
    notices["facebook"] = notice(facebook_platform, "fb_page", received=now - timedelta(days=3), notice_days=3)
    return {name: AdvanceNotice.objects.get(pk=n.pk) for name, n in notices.items()}


@pytest.fixture
def x_complaints(x_notices, agreements) -> None:
    """Account-level actions by X, with and without notice, before and after the agreement's start.

    Counted: no_notice_1 (two complaints, one account) and no_notice_2. Not counted: on_time (had a
    notice), a handle typed differently but with the platform's id of "late" (had a notice),
    early_one (acted on before the agreement), content_only (not an account-level action), and a
    Facebook account (no agreement).
    """
    today = timezone.localdate()
    complaint_create(account_handle="on_time", action_date=today - timedelta(days=3))
    complaint_create(account_handle="no_notice_1", action_date=today - timedelta(days=4))
    complaint_create(
        account_handle="no_notice_1",
        action_type=Complaint.ActionType.ACCOUNT_LOCKED,
        action_date=today - timedelta(days=2),
    )
    complaint_create(
        account_handle="no_notice_2",
        action_type=Complaint.ActionType.ACCOUNT_WITHHELD_IN_COUNTRY,
        action_date=today - timedelta(days=1),
    )
    typed_otherwise = complaint_create(account_handle="late_typed_otherwise")
    Complaint.objects.filter(pk=typed_otherwise.pk).update(platform_account_id="puid-late")
    complaint_create(
        account_handle="early_one",
        action_type=Complaint.ActionType.ACCOUNT_TERMINATED,
        action_date=agreements - timedelta(days=1),
    )
    complaint_create(account_handle="content_only", action_type=Complaint.ActionType.CONTENT_REMOVED)
    complaint_create(platform_slug="facebook", account_handle="fb_other")


def test_advance_notice_figures_follow_their_definitions(x_notices, x_complaints, x_platform, facebook_platform):
    rows = scorecard(period=last_30_days())
    x, fb = rows[(x_platform.pk, None)], rows[(facebook_platform.pk, None)]

    assert x.notices_received == 7
    assert sorted(x.notice_days) == [2, 3, 3, 4, 5, 7, 10] and x.median_notice_period_days == 4
    # Due: every notice but "fresh". In time: on_time and the three objections; not "late" or "lapsed".
    assert (x.notices_due, x.notices_answered_in_time, x.answered_in_time_share) == (6, 4, 0.667)
    # "pending" has no final action yet, so only "respected" and "ignored" are counted.
    assert (x.objections_settled, x.objections_respected, x.objections_respected_share) == (2, 1, 0.5)
    assert x.suspensions_without_notice == 2
    assert fb.notices_received == 1 and fb.suspensions_without_notice is None


def test_a_postponement_keeps_an_objection_out_until_the_platform_reports_what_it_did(x_notices, x_platform, sana):
    pending = x_notices["pending"]
    advance_notice_final_action(notice=pending, action="POSTPONED", date=timezone.localdate(), note="", actor=sana)
    x = scorecard(period=last_30_days())[(x_platform.pk, None)]
    assert (x.objections_settled, x.objections_respected) == (2, 1)

    advance_notice_final_action(notice=pending, action="MODIFIED", date=timezone.localdate(), note="", actor=sana)
    x = scorecard(period=last_30_days())[(x_platform.pk, None)]
    assert (x.objections_settled, x.objections_respected) == (3, 1)  # still acted against the account


def test_a_first_answer_in_time_stays_in_time_when_a_decision_follows_a_request_for_information(
    x_notices, x_platform, zara
):
    late = x_notices["late"]
    AdvanceNoticeEvent.objects.filter(notice=late, kind=AdvanceNoticeEvent.Kind.RESPONDED).update(
        created_at=late.response_due_at - timedelta(hours=1)
    )
    advance_notice_respond(notice=late, response="NO_OBJECTION", reasons="", rule="", actor=zara)  # now, days late
    x = scorecard(period=last_30_days())[(x_platform.pk, None)]
    assert x.notices_answered_in_time == 5


def test_linking_a_notice_to_the_complaint_takes_the_account_out_of_the_suspensions_without_notice(
    x_notices, x_complaints, x_platform
):
    complaint = Complaint.objects.get(account_handle="no_notice_2")
    x_notices["fresh"].complaints.add(complaint)
    assert scorecard(period=last_30_days())[(x_platform.pk, None)].suspensions_without_notice == 1


def test_without_any_agreement_the_figure_is_not_shown(x_notices, x_complaints, x_platform, settings):
    settings.ADVANCE_NOTICE_AGREEMENT_START = {"default": None}
    assert scorecard(period=last_30_days())[(x_platform.pk, None)].suspensions_without_notice is None


def test_the_dashboard_shows_the_new_figures_within_its_query_budget(
    omar, x_notices, x_complaints, x_month, django_assert_max_num_queries
):
    client = verified_client(omar)
    client.get(DASHBOARD)
    with django_assert_max_num_queries(20):
        response = client.get(f"{DASHBOARD}?platform=x&platform=facebook&granularity=day")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Advance notices received" in html and "Suspensions without any notice" in html
    assert "Of the notices received in the period to which the regulator objected" in html


@pytest.fixture
def last_month_notices(x_platform, facebook_platform, settings) -> str:
    """Last month: six notices from X, none answered (all lapsed), one account suspended by X without
    notice; two notices from Facebook. X agreed to give notice a year ago."""
    settings.ADVANCE_NOTICE_AGREEMENT_START = {"default": None, "x": timezone.localdate() - timedelta(days=365)}
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=10)
    received = timezone.make_aware(datetime.combine(last_month, datetime.min.time()))
    for i in range(6):
        notice(x_platform, f"x_{i}", received=received + timedelta(hours=i), notice_days=3 + i)
    for i in range(2):
        notice(facebook_platform, f"fb_{i}", received=received, notice_days=5)
    assert advance_notice_lapse_overdue(now=timezone.now()) == 8
    complaint_create(account_handle="silenced", action_date=last_month)
    return f"{last_month:%Y-%m}"


def test_open_data_adds_the_new_columns_at_the_end_and_withholds_small_counts(client, last_month_notices):
    response = client.get("/en/statistics/data.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0])[-len(NEW_COLUMNS) :] == NEW_COLUMNS
    by_key = {(r["platform"], r["month"]): r for r in rows}
    x, fb = by_key[("x", last_month_notices)], by_key[("facebook", last_month_notices)]
    assert x["notices_received"] == "6" and x["median_notice_period_days"] == "5.5"
    assert x["answered_in_time_share"] == "0.0"  # six lapsed: 0 of 6, nothing small to reveal
    assert x["objections_respected_share"] == ""  # no objections: not applicable
    assert x["suspensions_without_notice"] == "<5"  # one account
    assert fb["notices_received"] == "<5" and fb["median_notice_period_days"] == "<5"
    assert fb["answered_in_time_share"] == "<5"  # its denominator, 2, is small
    assert fb["suspensions_without_notice"] == ""  # no agreement: not shown

    data = json.loads(client.get("/en/statistics/data.json").content)
    assert data["columns"][-len(NEW_COLUMNS) :] == NEW_COLUMNS == COLUMNS[-len(NEW_COLUMNS) :]
    json_rows = {(r["platform"], r["month"]): r for r in data["rows"]}
    x_json = json_rows[("x", last_month_notices)]
    assert x_json["notices_received"] == 6 and x_json["suspensions_without_notice"] is None
    window = months(today=timezone.localdate(), count=24)
    # A quiet month under the agreement has none (0); a month before it had no agreement (None).
    assert json_rows[("x", f"{window[-4]:%Y-%m}")]["suspensions_without_notice"] == 0
    assert json_rows[("x", f"{window[2]:%Y-%m}")]["suspensions_without_notice"] is None


def test_the_urdu_statistics_page_shows_the_advance_notice_figures_withheld_where_small(client, last_month_notices):
    html = client.get(f"/ur/statistics/?month={last_month_notices}").content.decode()
    assert "موصول ہونے والے پیشگی نوٹس" in html and "بغیر کسی نوٹس کے معطلیاں" in html
    assert "&lt;5" in html  # X's one account suspended without notice
