"""Real threads against the real PostgreSQL database: one case per account, and unique references."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from complaints.models import Case, CaseEvent, Complaint
from tests.factories import complaint_create, platform_get

THREADS = 8


def run_concurrently(work: Callable[[int], Any], n: int = THREADS) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def runner(i: int) -> None:
        try:
            barrier.wait()
            result = work(i)
            with lock:
                results.append(result)
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            with lock:
                errors.append(exc)
        finally:
            # Each thread has its own connection; left open it would block the test database's teardown.
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_complaints_about_one_account_end_in_exactly_one_case():
    platform = platform_get("x")
    # Different spellings of the same account, all normalized to "kashmirvoice".
    spellings = ["KashmirVoice", "@kashmirvoice", "@KASHMIRVOICE", "kashmirVoice"]

    results, errors = run_concurrently(lambda i: complaint_create(platform=platform, account_handle=spellings[i % 4]))

    assert errors == []
    assert Complaint.objects.count() == THREADS
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert case.complaints.count() == THREADS
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.CASE_OPENED).count() == 1
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.COMPLAINT_RECEIVED).count() == THREADS


@pytest.mark.django_db(transaction=True)
def test_references_stay_unique_and_gapless_under_concurrency():
    platform = platform_get("x")

    results, errors = run_concurrently(
        lambda i: complaint_create(platform=platform, account_handle=f"account{i}").reference
    )

    assert errors == []
    assert len(set(results)) == THREADS
    sequence = sorted(int(reference.rsplit("-", 1)[1]) for reference in results)
    assert sequence == list(range(sequence[0], sequence[0] + THREADS))
    assert Case.objects.count() == THREADS
