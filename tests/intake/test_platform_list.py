"""The public form's platforms are kept in each process for a few seconds (selectors.platforms_active):
no query per page or per submission, and a change in the admin still reaches every process."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import selectors
from complaints.models import Complaint

from .conftest import NEW_URL, form_data

pytestmark = pytest.mark.django_db


def test_the_blank_form_costs_no_query_once_the_platforms_are_kept(client, x_platform):
    client.get(NEW_URL)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(NEW_URL)
    assert page.status_code == 200 and x_platform.name in page.content.decode()
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_a_platform_withdrawn_in_the_admin_is_refused_at_once_in_that_process(client, x_platform):
    client.get(NEW_URL)  # the list is kept
    x_platform.is_active = False
    x_platform.save()  # as the admin saves it
    page = client.get(NEW_URL).content.decode()
    assert f'value="{x_platform.pk}"' not in page
    refused = client.post(NEW_URL, form_data(x_platform, account_handle="withdrawn"))
    assert refused.status_code == 200
    assert "Choose one of the options in the list." in refused.content.decode()
    assert not Complaint.objects.filter(account_handle_normalized="withdrawn").exists()


def test_another_process_sees_a_renamed_platform_within_the_keep_time(client, x_platform, monkeypatch):
    monkeypatch.setattr(selectors, "PLATFORMS_KEEP_SECONDS", 0.2)
    assert "X (Twitter)" in client.get(NEW_URL).content.decode()
    # Saved by another process: no signal reaches this one.
    type(x_platform).objects.filter(pk=x_platform.pk).update(name="X, formerly Twitter")
    assert "X, formerly Twitter" not in client.get(NEW_URL).content.decode()  # still the kept page
    time.sleep(0.25)
    assert "X, formerly Twitter" in client.get(NEW_URL).content.decode()


def test_a_filed_complaint_names_the_platform_chosen(client, x_platform):
    assert client.post(NEW_URL, form_data(x_platform, account_handle="kept")).status_code == 303
    complaint = Complaint.objects.get(account_handle_normalized="kept")
    assert complaint.platform == x_platform and complaint.platform.name == x_platform.name


def test_a_platform_added_by_another_process_is_accepted_at_once(client, x_platform):
    client.get(NEW_URL)  # this process keeps the list without it
    # Saved by another process: bulk_create sends no post_save here.
    [added] = type(x_platform).objects.bulk_create([type(x_platform)(slug="bluesky", name="Bluesky")])
    assert added not in selectors.platforms_active()
    assert client.post(NEW_URL, form_data(added, account_handle="newcomer")).status_code == 303
    assert Complaint.objects.get(account_handle_normalized="newcomer").platform == added
