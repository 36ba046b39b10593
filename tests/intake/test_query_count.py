"""What one submission costs the database, counted as PostgreSQL sees it: every statement, and the
BEGIN and COMMIT around each transaction, savepoints included.

Transactional tests on purpose: inside a test-case transaction every atomic block of the view would
become a savepoint, and the real transaction control would be hidden.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.db import connection

from complaints import signals
from complaints.models import Case, Complaint

from .conftest import NEW_URL, form_data

pytestmark = pytest.mark.django_db(transaction=True)

NEW_ACCOUNT_MAX = 12
EXISTING_CASE_MAX = 8
# The intake's own share, without what complaint_submitted's receivers write (the acknowledgement's
# outbox rows in notices, one statement): the targets above leave them 6 and 3. The platform is
# checked against the list the process keeps, so the transaction is all there is.
INTAKE_NEW_ACCOUNT_MAX = 6
INTAKE_EXISTING_CASE_MAX = 5


@dataclass
class Statements:
    sql: list[str] = field(default_factory=list)
    # (start, end) indexes of the statements made while complaint_submitted's receivers ran.
    receivers: list[tuple[int, int]] = field(default_factory=list)

    @property
    def intake(self) -> list[str]:
        inside = {i for start, end in self.receivers for i in range(start, end)}
        return [s for i, s in enumerate(self.sql) if i not in inside]

    def savepoints(self, sql: list[str]) -> list[str]:
        return [s for s in sql if "SAVEPOINT" in s.upper()]

    @property
    def count(self) -> int:
        return len(self.sql)

    def __str__(self) -> str:
        return "\n".join(f"{n:2d} {s[:160]}" for n, s in enumerate(self.sql, 1))


@contextmanager
def statements() -> Iterator[Statements]:
    """Every round trip the request makes: statements through the wrapper, and transaction control.

    psycopg sends BEGIN itself before the first statement after autocommit is switched off, so a
    BEGIN is recorded at that moment, and a COMMIT or ROLLBACK when Django ends the transaction.
    """
    seen = Statements()
    in_transaction = False

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal in_transaction
        if not connection.get_autocommit() and not in_transaction:
            seen.sql.append("BEGIN")
            in_transaction = True
        seen.sql.append(sql)
        return execute(sql, params, many, context)

    commit, rollback = connection.commit, connection.rollback

    def ended(name: str, original):  # type: ignore[no-untyped-def]
        def end() -> None:
            nonlocal in_transaction
            if in_transaction:
                seen.sql.append(name)
                in_transaction = False
            original()

        return end

    send = signals.complaint_submitted.send

    def send_marked(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = len(seen.sql)
        try:
            return send(*args, **kwargs)
        finally:
            seen.receivers.append((start, len(seen.sql)))

    connection.commit, connection.rollback = ended("COMMIT", commit), ended("ROLLBACK", rollback)
    signals.complaint_submitted.send = send_marked  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(wrapper):
            yield seen
    finally:
        del connection.commit, connection.rollback
        del signals.complaint_submitted.send


def file_new_account(client, platform) -> Statements:  # type: ignore[no-untyped-def]
    # A worker that has filed before (this year's reference sequences known to exist).
    assert client.post(NEW_URL, form_data(platform, account_handle="warm-up")).status_code == 303
    with statements() as seen:
        response = client.post(NEW_URL, form_data(platform, account_handle="brand-new"))
    assert response.status_code == 303
    assert Complaint.objects.get(account_handle_normalized="brand-new").case.reference.startswith("PTA-C-")
    return seen


def file_existing_case(client, platform) -> Statements:  # type: ignore[no-untyped-def]
    assert client.post(NEW_URL, form_data(platform, account_handle="known")).status_code == 303
    with statements() as seen:
        response = client.post(NEW_URL, form_data(platform, account_handle="@Known", cnic="4210112345671"))
    assert response.status_code == 303
    assert Case.objects.count() == 1 and Complaint.objects.count() == 2
    return seen


def test_the_intake_itself_costs_at_most_six_statements_for_a_new_account(client, x_platform, ayesha):
    seen = file_new_account(client, x_platform)
    assert len(seen.intake) <= INTAKE_NEW_ACCOUNT_MAX, str(seen)
    assert seen.savepoints(seen.intake) == [], str(seen)
    # One transaction and nothing around it: no platform lookup before it, no session row after it.
    assert seen.intake[0] == "BEGIN" and seen.intake[-1] == "COMMIT"


def test_the_intake_itself_costs_at_most_five_statements_joining_an_open_case(client, x_platform, ayesha):
    seen = file_existing_case(client, x_platform)
    assert len(seen.intake) <= INTAKE_EXISTING_CASE_MAX, str(seen)
    assert seen.savepoints(seen.intake) == [], str(seen)


def test_a_complaint_about_a_new_account_costs_at_most_twelve_statements(client, x_platform, ayesha):
    seen = file_new_account(client, x_platform)
    assert seen.count <= NEW_ACCOUNT_MAX and not seen.savepoints(seen.sql), str(seen)


def test_a_complaint_joining_an_open_case_costs_at_most_eight_statements(client, x_platform, ayesha):
    seen = file_existing_case(client, x_platform)
    assert seen.count <= EXISTING_CASE_MAX and not seen.savepoints(seen.sql), str(seen)


def test_the_counter_sees_savepoints_and_transaction_control(x_platform):
    """The meter itself: a nested atomic block must show up, or the tests above could not fail."""
    from django.db import transaction

    with statements() as seen, transaction.atomic():
        Complaint.objects.exists()
        with transaction.atomic():
            Complaint.objects.exists()

    assert seen.sql[0] == "BEGIN" and seen.sql[-1] == "COMMIT"
    assert any(s.upper().startswith("SAVEPOINT") for s in seen.sql)
    assert any(s.upper().startswith("RELEASE SAVEPOINT") for s in seen.sql)
