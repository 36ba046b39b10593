"""Working-day arithmetic, due dates per status, and the beat task that escalates overdue cases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from complaints import signals
from complaints.models import Case, CaseEvent
from complaints.sla import is_working_day, sla_due_at, working_days_add
from complaints.tasks import cases_escalate_overdue_task
from tests.factories import complaint_create


def karachi(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))


def test_weekends_are_skipped():
    friday = karachi(2026, 11, 20, 10, 0)
    assert working_days_add(friday, 1) == karachi(2026, 11, 23, 10, 0)  # Monday
    assert working_days_add(friday, 2) == karachi(2026, 11, 24, 10, 0)


def test_a_step_started_at_the_weekend_counts_from_monday():
    saturday = karachi(2026, 11, 21, 9, 0)
    assert working_days_add(saturday, 1) == karachi(2026, 11, 23, 9, 0)


def test_public_holidays_from_settings_are_skipped():
    # 14 August 2026 (Independence Day) is a Friday.
    thursday = karachi(2026, 8, 13, 12, 0)
    assert not is_working_day(karachi(2026, 8, 14).date())
    assert working_days_add(thursday, 1) == karachi(2026, 8, 17, 12, 0)
    with override_settings(PUBLIC_HOLIDAYS=[]):
        assert working_days_add(thursday, 1) == karachi(2026, 8, 14, 12, 0)


@override_settings(WEEKEND_DAYS=[4, 5])  # a Friday-Saturday weekend, as before 2022... or elsewhere
def test_the_weekend_is_a_setting():
    thursday = karachi(2026, 11, 19, 10, 0)
    assert working_days_add(thursday, 1) == karachi(2026, 11, 22, 10, 0)  # Sunday


def test_emergencies_get_the_shorter_table():
    monday = karachi(2026, 11, 23, 10, 0)
    assert sla_due_at(status="IN_REVIEW", priority="ROUTINE", start=monday) == karachi(2026, 11, 30, 10, 0)
    assert sla_due_at(status="IN_REVIEW", priority="EMERGENCY", start=monday) == karachi(2026, 11, 24, 10, 0)
    assert sla_due_at(status="CLOSED", priority="ROUTINE", start=monday) is None


@pytest.mark.django_db
def test_a_new_case_is_due_from_the_sla_table(ayesha):
    case = complaint_create().case
    expected = sla_due_at(status="NEW", priority="ROUTINE", start=case.opened_at)
    assert abs(case.due_at - expected) < timedelta(seconds=5)


@pytest.mark.django_db
def test_escalation_task_flags_overdue_cases_once_and_tells_the_supervisors(ayesha, sana):
    case = complaint_create().case
    from complaints.services import case_transition

    case_transition(case=case, to=Case.Status.IN_REVIEW, actor=ayesha)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(hours=1))
    on_time = complaint_create(account_handle="OnTime").case
    told = []
    signals.case_overdue.connect(lambda **kw: told.append(kw), weak=False, dispatch_uid="t-overdue")
    try:
        assert cases_escalate_overdue_task() == 1
        assert cases_escalate_overdue_task() == 0  # the same deadline is never escalated twice
    finally:
        signals.case_overdue.disconnect(dispatch_uid="t-overdue")
    case.refresh_from_db()
    assert case.status == Case.Status.ESCALATED and case.escalated_at is not None
    assert case.due_at > timezone.now()  # the escalated step has its own deadline
    assert case.events.filter(kind=CaseEvent.Kind.ESCALATED).count() == 1
    assert not on_time.events.filter(kind=CaseEvent.Kind.ESCALATED).exists()
    assert [(kw["case"].pk, kw["supervisors"]) for kw in told] == [(case.pk, [sana])]


@pytest.mark.django_db
def test_escalation_where_the_table_forbids_the_status_still_writes_the_event(ayesha, sana):
    case = complaint_create().case  # NEW cannot become ESCALATED
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert cases_escalate_overdue_task() == 1
    case.refresh_from_db()
    assert case.status == Case.Status.NEW
    assert case.events.filter(kind=CaseEvent.Kind.ESCALATED).count() == 1


@pytest.mark.django_db
def test_overdue_filter_and_highlight(ayesha, sana):
    late = complaint_create().case
    complaint_create(account_handle="OnTime")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    from .conftest import verified_client

    response = verified_client(sana).get("/admin/complaints/case/", {"overdue": "yes"})
    assert [c.pk for c in response.context["cl"].result_list] == [late.pk]
    assert 'class="overdue"' in response.content.decode()
