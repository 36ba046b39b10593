"""Automatic assignment is fair: fewest open cases, then least recently assigned; away and off-team excluded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import current_app
from django.test import TestCase, override_settings
from django.utils import timezone

from complaints.models import Case, CaseActionError, CaseEvent, StaffProfile
from complaints.services import case_assign, case_autoassign_publish, case_take, case_transition, complaint_submit
from tests.conftest import _staff
from tests.factories import complaint_create, complaint_data, platform_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def x_team(x_platform):
    """Three X caseworkers: Ayesha, Danish and Erum."""
    return [
        _staff(name, "Caseworker", first_name=name.title(), platforms=[x_platform])
        for name in ("ayesha", "danish", "erum")
    ]


@pytest.fixture(autouse=True)
def _tasks_run_here():
    # The path a submission takes in production, minus the broker: the commit's callback publishes
    # cases_autoassign_task, which Celery then runs in this process.
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = eager


def assignee(handle: str):
    """Who the assignment task gives a newly filed complaint's case to."""
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        case = complaint_submit(data=complaint_data(account_handle=handle), evidence=[]).case
        assert case.assigned_to is None  # the citizen's request assigns nobody
    assert [c for c in callbacks if getattr(c, "func", None) is case_autoassign_publish]
    case.refresh_from_db()
    return case.assigned_to


def test_new_case_goes_to_the_caseworker_with_fewest_open_cases(x_team):
    ayesha, danish, erum = x_team
    for i, user in enumerate([ayesha, ayesha, danish]):
        Case.objects.create(
            reference=f"T-{i}",
            platform=platform_get("x"),
            account_handle=f"h{i}",
            account_handle_normalized=f"h{i}",
            assigned_to=user,
        )
    assert assignee("fresh") == erum


def test_closed_cases_do_not_count_as_load(x_team, sana):
    ayesha, danish, erum = x_team
    now = timezone.now()
    StaffProfile.objects.filter(user=ayesha).update(last_assigned_at=now - timedelta(hours=3))
    StaffProfile.objects.filter(user=danish).update(last_assigned_at=now - timedelta(hours=2))
    StaffProfile.objects.filter(user=erum).update(last_assigned_at=now - timedelta(hours=1))
    assert assignee("one") == ayesha
    first = Case.objects.get(account_handle_normalized="one")
    case_transition(case=first, to=Case.Status.CLOSED, actor=sana, outcome="WITHDRAWN")
    # Ayesha holds only a closed case, so she has no open load; but she was just assigned, so the
    # tie between Danish and Erum (0 open each) goes to Danish, assigned least recently.
    assert assignee("two") == danish


def test_ties_go_to_whoever_was_assigned_least_recently(x_team):
    ayesha, danish, erum = x_team
    assert [assignee(h) for h in ("a1", "a2", "a3")] == [ayesha, danish, erum]  # never assigned: by id
    # Everyone holds one; Ayesha was assigned longest ago.
    assert assignee("a4") == ayesha


def test_away_caseworkers_get_no_new_cases(x_team):
    ayesha, danish, erum = x_team
    StaffProfile.objects.filter(user__in=[ayesha, danish]).update(is_away=True)
    assert {assignee(h) for h in ("b1", "b2", "b3")} == {erum}


def test_assignment_is_limited_to_the_platform_team(ayesha, bilal):
    with TestCase.captureOnCommitCallbacks(execute=True):
        case = complaint_submit(
            data=complaint_data(platform_slug="facebook", account_handle="valley"), evidence=[]
        ).case
    case.refresh_from_db()
    assert case.assigned_to == bilal  # Ayesha is on the X team, even though she has fewer cases


@override_settings(CASE_ASSIGN_BY_PLATFORM_TEAM=False)
def test_without_teams_anyone_available_takes_it(ayesha, bilal):
    complaint_create(platform_slug="facebook", account_handle="one")
    assert assignee("x-two") in {ayesha, bilal}
    loads = sorted(Case.objects.values_list("assigned_to", flat=True))
    assert loads == sorted([ayesha.pk, bilal.pk])


def test_nobody_available_leaves_the_case_unassigned(ayesha):
    with TestCase.captureOnCommitCallbacks(execute=True):
        case = complaint_submit(data=complaint_data(platform_slug="tiktok"), evidence=[]).case
    case.refresh_from_db()
    assert case.assigned_to is None


def test_automatic_assignment_writes_an_event(ayesha):
    case = complaint_create().case
    event = case.events.get(kind=CaseEvent.Kind.ASSIGNED)
    assert (event.actor, event.data) == (None, {"old": None, "new": "ayesha"})


def test_a_caseworker_cannot_take_a_case_someone_else_holds(ayesha, bilal):
    case = complaint_create().case
    with pytest.raises(CaseActionError):
        case_take(case=case, actor=bilal)


def test_supervisor_reassigns_one_case(ayesha, bilal, sana):
    case = complaint_create().case
    case_assign(case=case, to=bilal, actor=sana)
    case.refresh_from_db()
    assert case.assigned_to == bilal
    assert case.events.filter(kind=CaseEvent.Kind.ASSIGNED, actor=sana, data__new="bilal").exists()


def test_a_caseworker_without_a_staff_profile_is_present_and_generalist(db, x_platform):
    from django.contrib.auth.models import Group, User

    newcomer = User.objects.create_user("farhan", password="x" * 12, is_staff=True)
    newcomer.groups.add(Group.objects.get(name="Caseworker"))
    assert assignee("first-week") == newcomer


def test_a_second_run_of_the_task_changes_nothing(ayesha, x_platform):
    from complaints.tasks import cases_autoassign_task

    case = complaint_create(account_handle="twice").case
    assert cases_autoassign_task() == 0
    assert case.events.filter(kind=CaseEvent.Kind.ASSIGNED).count() == 1


def test_a_case_whose_task_was_lost_is_assigned_by_the_sweep(ayesha, x_platform, monkeypatch, caplog):
    from complaints.tasks import cases_autoassign_sweep_task, cases_autoassign_task

    current_app.conf.task_always_eager = False
    monkeypatch.setattr(cases_autoassign_task, "apply_async", lambda *a, **k: (_ for _ in ()).throw(OSError("down")))
    with TestCase.captureOnCommitCallbacks(execute=True):
        case = complaint_submit(data=complaint_data(account_handle="lost"), evidence=[]).case
    assert "the sweep will assign it" in caplog.text
    case.refresh_from_db()
    assert case.assigned_to is None

    assert cases_autoassign_sweep_task() == 0  # younger than CASE_AUTOASSIGN_SWEEP_AFTER_SECONDS: not yet
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(minutes=5))
    assert cases_autoassign_sweep_task() == 1
    case.refresh_from_db()
    assert case.assigned_to == ayesha
