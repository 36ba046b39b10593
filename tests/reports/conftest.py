"""Fixtures for the exports tests. The signed-in admin client, the worker process and the private
redis-server are the notices tests' own fixtures, reused."""

from __future__ import annotations

import csv
import importlib
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.http import HttpResponse
from django.utils import timezone
from openpyxl import load_workbook

from complaints.models import Case
from complaints.services import case_transition
from notices import services as notices
from notices.models import Letter, Reply, ReplyCaseOutcome
from notices.services import CaseOutcomeInput
from tests.factories import complaint_create
from tests.notices.conftest import private_redis, staff_client, use_broker, wait_for  # noqa: F401


@pytest.fixture(autouse=True)
def _export_permissions(request: pytest.FixtureRequest) -> None:
    """The reports migration's grants, written again after a transactional test's flush (see tests/conftest.py)."""
    if not (
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    ) and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("_roles_and_letter_templates")
    originals = {config.label: config.models_module for config in django_apps.get_app_configs()}
    try:
        importlib.import_module("reports.migrations.0001_exports").grant(django_apps, None)
    finally:
        for config in django_apps.get_app_configs():
            config.models_module = originals[config.label]


def body_of(response: HttpResponse) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]


def csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV starts with a byte-order mark so that Excel reads Urdu"
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_sheets(data: bytes) -> dict[str, list[list[Any]]]:
    workbook = load_workbook(io.BytesIO(data))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def xlsx_formula_cells(data: bytes) -> list[str]:
    workbook = load_workbook(io.BytesIO(data))
    return [
        cell.coordinate
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


@pytest.fixture(autouse=True)
def _dashboard_permission(request: pytest.FixtureRequest, _roles_and_letter_templates) -> None:
    """The reports migration's grant, again after a transactional test's flush (see tests/conftest.py)."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    )
    if not uses_db:
        return
    originals = {config.label: config.models_module for config in django_apps.get_app_configs()}
    try:
        importlib.import_module("reports.migrations.0002_statistics").grant(django_apps, None)
    finally:
        for config in django_apps.get_app_configs():
            config.models_module = originals[config.label]


@pytest.fixture
def x_contact(x_platform):
    return x_platform.contacts.create(name="Grievance Officer", role="grievance officer", email="grievance@x.example")


def in_review(handle: str, **overrides) -> Case:
    case = complaint_create(account_handle=handle, **overrides).case
    Case.objects.filter(pk=case.pk).update(status=Case.Status.IN_REVIEW)
    case.refresh_from_db()
    return case


def send_letter(cases: list[Case], *, zara, sana, sent_days_ago: int, due_days_ago: int) -> Letter:
    """A letter sent through the services, then dated as if it had gone out ``sent_days_ago``."""
    [letter] = notices.letter_draft_for_cases(cases=cases, actor=zara)
    notices.letter_approve(letter=letter, actor=sana)
    notices.letter_send(letter=letter, actor=zara)
    now = timezone.now()
    Letter.objects.filter(pk=letter.pk).update(
        date_sent=now - timedelta(days=sent_days_ago),
        response_due_at=now - timedelta(days=due_days_ago),
        next_reminder_at=now - timedelta(days=due_days_ago),
    )
    letter.refresh_from_db()
    return letter


def reply(letter: Letter, *, zara, kind: str, days_ago: int, outcomes: list[CaseOutcomeInput] | None = None) -> Reply:
    return notices.reply_record(
        letter=letter,
        received_at=timezone.now() - timedelta(days=days_ago),
        ticket_ref="",
        text="Reply from the platform.",
        outcomes=outcomes or [],
        attachments=[],
        actor=zara,
        kind=kind,
    )


@dataclass
class Month:
    letters: dict[str, Letter]
    cases: dict[str, Case]


@pytest.fixture
def x_month(x_platform, x_contact, zara, sana) -> Month:
    """Four letters to X in the last three weeks, and what X did with them.

    A (a1, a2): sent 20 days ago, due 17; acknowledged 19 days ago, decided 16 days ago (late):
        a1 restored, a2 upheld.                                   -> replied in 4 days, not on time
    B (b1): sent 10 days ago, due 7; decided 8 days ago: b1 partly restored, then b1 is reopened.
                                                                  -> replied in 2 days, on time
    C (c1): sent 6 days ago, due 3; no answer, so a reminder went out; the decision answers the
        reminder today.                                           -> replied in 6 days, not on time
    D (b1 again): sent 2 days ago, due tomorrow; no answer yet.   -> not due
    Scorecard for X: 4 letters (the reminder is not one), 4 accounts (b1 once), reply rate 3/4,
    median 4 days, 1/3 on time, restoration 1 of the 2 closed accounts (b1 is open again), and 2 of
    the 3 letters due had no reply by their deadline.
    """
    a1, a2, b1, c1 = (in_review(h) for h in ("a_one", "a_two", "b_one", "c_one"))
    a = send_letter([a1, a2], zara=zara, sana=sana, sent_days_ago=20, due_days_ago=17)
    reply(a, zara=zara, kind=Reply.Kind.ACKNOWLEDGEMENT, days_ago=19)
    yes, no = ReplyCaseOutcome.ActionTaken.YES, ReplyCaseOutcome.ActionTaken.NO
    reply(
        a,
        zara=zara,
        kind=Reply.Kind.DECISION,
        days_ago=16,
        outcomes=[
            CaseOutcomeInput(case=a1, action_taken=yes, outcome=Case.Outcome.REINSTATED),
            CaseOutcomeInput(case=a2, action_taken=no, outcome=Case.Outcome.RESTRICTION_UPHELD),
        ],
    )
    b = send_letter([b1], zara=zara, sana=sana, sent_days_ago=10, due_days_ago=7)
    reply(
        b,
        zara=zara,
        kind=Reply.Kind.DECISION,
        days_ago=8,
        outcomes=[CaseOutcomeInput(case=b1, action_taken=yes, outcome=Case.Outcome.PARTIALLY_REINSTATED)],
    )
    case_transition(case=Case.objects.get(pk=b1.pk), to=Case.Status.IN_REVIEW, actor=sana, note="reopened")
    c = send_letter([c1], zara=zara, sana=sana, sent_days_ago=6, due_days_ago=3)
    assert notices.letter_remind_overdue() == 1
    reminder = Letter.objects.get(reminder_of=c)
    notices.letter_approve(letter=reminder, actor=sana)  # a reminder waits for a supervisor like any letter
    notices.letter_send(letter=reminder, actor=zara)
    reply(reminder, zara=zara, kind=Reply.Kind.DECISION, days_ago=0, outcomes=[CaseOutcomeInput(case=c1)])
    d = send_letter([Case.objects.get(pk=b1.pk)], zara=zara, sana=sana, sent_days_ago=2, due_days_ago=-1)
    return Month(
        letters={"A": a, "B": b, "C": c, "D": d, "reminder": reminder},
        cases={c.account_handle: Case.objects.get(pk=c.pk) for c in (a1, a2, b1, c1)},
    )
