"""The analyst's dashboard in the admin: where Omar lands, what it shows, how it refuses bad filters,
and how many queries it costs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Case, Complaint
from complaints.services import staff_totp_enrol
from reports.models import ComplaintDaySummary
from reports.services import summary_refresh, summary_refresh_recent
from reports.tasks import summary_refresh_task
from tests.cases.conftest import verified_client
from tests.cases.test_sign_in import current_code
from tests.conftest import STAFF_PASSWORD
from tests.factories import complaint_create

pytestmark = pytest.mark.django_db
DASHBOARD = "/admin/reports/complaintdaysummary/"


def test_the_analyst_lands_on_the_dashboard_after_signing_in(omar):
    device = staff_totp_enrol(user=omar)
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "omar", "password": STAFF_PASSWORD, "otp_token": current_code(device)},
        follow=True,
    )
    assert response.redirect_chain[-1] == (DASHBOARD, 302)
    assert response.status_code == 200 and "Platform scorecard" in response.content.decode()


def test_the_dashboard_says_how_old_its_figures_are(omar):
    # Some figures come from summaries that beat rebuilds: the analyst must see when the page was made.
    html = verified_client(omar).get(DASHBOARD).content.decode()
    as_of = html[html.index('data-testid="figures-as-of"') :]
    # "3 Dec 2026, 14:05", the admin's one date format, in Pakistan time.
    assert re.search(r"Figures as of \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}\.", as_of), as_of[:300]
    assert "rebuilt every 10 minutes" in as_of


def test_caseworkers_still_land_on_their_cases_and_may_not_see_the_dashboard(ayesha):
    client = verified_client(ayesha)
    assert client.get("/admin/")["Location"] == "/admin/complaints/case/my/"
    assert client.get(DASHBOARD).status_code == 403


def test_a_supervisor_keeps_the_admin_index_and_may_open_the_dashboard(sana):
    client = verified_client(sana)
    assert client.get("/admin/").status_code == 200
    assert client.get(DASHBOARD).status_code == 200


def test_the_dashboard_shows_complaints_by_platform_action_category_and_province(omar, ayesha, x_platform):
    for i in range(3):
        complaint_create(account_handle=f"kashmir_{i}", province="PK-SD", category=Complaint.Category.JOURNALISM)
    complaint_create(platform_slug="tiktok", account_handle="dancer", action_type="CONTENT_REMOVED")
    summary_refresh_recent()

    html = verified_client(omar).get(DASHBOARD).content.decode()

    assert "4 complaints received" in html
    assert '<th scope="row">X (Twitter)</th><td>3</td>' in html
    assert '<th scope="row">TikTok</th><td>1</td>' in html
    assert '<th scope="row">Content removed</th><td>1</td>' in html
    assert '<th scope="row">Journalism</th><td>3</td>' in html
    assert '<th scope="row">Sindh</th><td>3</td>' in html
    assert "<svg" in html and 'aria-hidden="true"' in html  # each chart also has its table


def test_cases_by_status_and_the_backlog_per_caseworker(omar, ayesha, x_platform):
    cases = [complaint_create(account_handle=f"voice_{i}").case for i in range(3)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(assigned_to=ayesha)
    Case.objects.filter(pk=cases[0].pk).update(due_at=timezone.now() - timedelta(days=1))
    Case.objects.filter(pk=cases[1].pk).update(due_at=timezone.now() + timedelta(days=1))

    html = verified_client(omar).get(DASHBOARD).content.decode()

    assert '<th scope="row">New</th><td>3</td>' in html
    assert '<th scope="row">Ayesha</th><td>3</td><td class="overdue">1</td>' in html


def test_the_scorecard_on_the_dashboard_shows_each_figure_with_its_definition(omar, x_month):
    summary_refresh_recent()  # as beat does: the accounts referred come from the referral summary
    html = verified_client(omar).get(DASHBOARD).content.decode()
    cells = ["4", "4", "75%", "4", "33%", "50%", "67%"]
    assert '<th scope="row">X (Twitter)</th>' + "".join(f"<td>{c}</td>" for c in cells) in html
    assert "an acknowledgement is not" in html and "lawful extension" in html


@pytest.mark.parametrize(
    "query, message",
    [
        ("start=2026-13-01", "Enter a valid date."),
        ("start=2026-05-01&end=2026-04-01", "The start date is after the end date."),
        ("start=2020-01-01&end=2026-01-01", "Choose at most two years."),
        ("platform=myspace", "Select a valid choice."),
        ("granularity=hour", "Select a valid choice."),
    ],
)
def test_bad_filters_get_a_form_error_not_a_500(omar, query, message):
    response = verified_client(omar).get(f"{DASHBOARD}?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_filters_narrow_to_a_platform_and_a_date_range(omar, x_platform, facebook_platform):
    complaint_create(account_handle="one")
    complaint_create(platform_slug="facebook", account_handle="two")
    old = complaint_create(account_handle="three")
    Complaint.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=40))
    today = timezone.localdate()
    summary_refresh(start=today - timedelta(days=60), end=today)
    client = verified_client(omar)

    assert "1 complaints received" in client.get(f"{DASHBOARD}?platform=facebook").content.decode()
    start = (today - timedelta(days=45)).isoformat()
    end = (today - timedelta(days=35)).isoformat()
    html = client.get(f"{DASHBOARD}?start={start}&end={end}&platform=x&granularity=day").content.decode()
    assert "1 complaints received" in html and "Complaints received per day" in html


def test_the_dashboard_makes_at_most_20_queries_however_much_data(
    omar, x_month, facebook_platform, django_assert_max_num_queries
):
    for i in range(30):
        complaint_create(account_handle=f"more_{i}", province=["PK-PB", "PK-KP", "PK-BA"][i % 3])
    summary_refresh_recent()
    client = verified_client(omar)
    client.get(DASHBOARD)  # the session and permission caches warm up as in real use
    with django_assert_max_num_queries(20):
        response = client.get(f"{DASHBOARD}?platform=x&platform=facebook&granularity=day")
    assert response.status_code == 200


def test_summary_refresh_counts_each_complaint_once_along_each_dimension_on_its_local_day(x_platform):
    complaint_create(account_handle="one")
    complaint_create(account_handle="one", province="PK-GB")  # joins the same case; still a second complaint
    today = timezone.localdate()
    assert summary_refresh(start=today, end=today) == 4
    assert summary_refresh(start=today, end=today) == 4  # a rerun replaces, it does not add
    cells = {(r.dimension, r.value): r.complaints for r in ComplaintDaySummary.objects.filter(day=today)}
    assert cells == {
        ("action_type", "ACCOUNT_SUSPENDED"): 2,
        ("category", "KASHMIR_SOLIDARITY"): 2,
        ("province", "PK-PB"): 1,
        ("province", "PK-GB"): 1,
    }


def test_beat_warms_the_landing_view_so_the_analyst_gets_it_from_the_cache(omar, x_month):
    summary_refresh_task()
    client = verified_client(omar)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(DASHBOARD).content.decode()
    assert not any("notices_lettercase" in q["sql"] for q in queries.captured_queries)
    assert '<th scope="row">X (Twitter)</th><td>4</td><td>4</td>' in html
