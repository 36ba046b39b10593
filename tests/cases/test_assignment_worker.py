"""A complaint filed through the form gets its case assigned by a real Celery worker, within seconds."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from complaints.models import Case, CaseEvent
from tests.intake.conftest import NEW_URL, form_data
from tests.notices.conftest import worker_start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_the_worker_assigns_a_filed_complaints_case_within_seconds(client, x_platform, ayesha):
    worker = worker_start(broker_url=settings.CELERY_BROKER_URL, email_url="dummymail://")
    try:
        filed_at = time.monotonic()
        response = client.post(NEW_URL, form_data(x_platform, account_handle="worker-assigned"))
        assert response.status_code == 303
        case = Case.objects.get(account_handle_normalized="worker-assigned")
        deadline = filed_at + 20
        while case.assigned_to_id is None and time.monotonic() < deadline:
            time.sleep(0.1)
            case.refresh_from_db()
        waited = time.monotonic() - filed_at
        output = worker.output()
    finally:
        worker.stop()

    assert case.assigned_to == ayesha, output
    assert waited < 10
    assert case.events.get(kind=CaseEvent.Kind.ASSIGNED).data == {"old": None, "new": "ayesha"}


def test_a_burst_of_new_cases_is_assigned_by_one_task_fairly_within_seconds(client, x_platform):
    from tests.conftest import _staff

    team = [_staff(n, "Caseworker", first_name=n.title(), platforms=[x_platform]) for n in ("ayesha", "danish", "erum")]
    worker = worker_start(broker_url=settings.CELERY_BROKER_URL, email_url="dummymail://")
    try:
        filed_at = time.monotonic()
        for n in range(3):
            response = client.post(NEW_URL, form_data(x_platform, account_handle=f"burst-{n}"))
            assert response.status_code == 303
        cases = Case.objects.filter(account_handle_normalized__startswith="burst-")
        deadline = filed_at + 20
        while cases.filter(assigned_to__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        waited = time.monotonic() - filed_at
        output = worker.output()
    finally:
        worker.stop()

    # One publish for the three (this process published once within the batch window), one run.
    assert output.count("cases_autoassign_task[") == 2, output  # received, then succeeded
    assert waited < 10
    assert sorted(case.assigned_to.username for case in cases) == sorted(user.username for user in team)
