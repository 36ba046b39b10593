"""A complaint filed through the form gets its case assigned by a real Celery worker, within seconds."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from complaints.models import Case, CaseEvent
from tests.intake.conftest import NEW_URL, form_data
from tests.notices.conftest import worker_start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture(autouse=True)
def _publishing_not_paused(monkeypatch):
    # An earlier test's failed publish must not make this one skip the broker.
    from complaints.services import cases

    monkeypatch.setattr(cases, "_publish_paused_until", 0.0)


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
