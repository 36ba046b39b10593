"""The web processes publish one batch task per window between them (regulator_portal.batching)."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from regulator_portal import batching
from regulator_portal.ratelimit import LOCAL_NAME, FailOpenRedisCache
from tests.factories import complaint_create

pytestmark = pytest.mark.django_db


def _another_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # A second gunicorn worker: the same Redis, none of this process's memory.
    monkeypatch.setattr(batching, "_covered_until", {})


def test_two_web_processes_publish_one_acknowledgement_batch_between_them(
    django_capture_on_commit_callbacks, monkeypatch, settings
):
    assert isinstance(caches["ratelimit"], FailOpenRedisCache)  # shared, as in production
    with mock.patch("notices.tasks.acknowledgements_send_task.apply_async") as publish:
        with django_capture_on_commit_callbacks(execute=True):
            complaint_create(account_handle="first-process")
        _another_process(monkeypatch)
        with django_capture_on_commit_callbacks(execute=True):
            complaint_create(account_handle="second-process")
        # The first process's batch runs a whole window after its publish: after both commits.
        assert publish.call_count == 1
        assert publish.call_args.kwargs["countdown"] == settings.NOTICE_ACK_BATCH_SECONDS

        time.sleep(batching.HOLD * settings.NOTICE_ACK_BATCH_SECONDS + 0.05)  # that batch may have run
        _another_process(monkeypatch)
        with django_capture_on_commit_callbacks(execute=True):
            complaint_create(account_handle="later")
        assert publish.call_count == 2


def test_the_assignment_batch_is_shared_the_same_way(django_capture_on_commit_callbacks, monkeypatch):
    with mock.patch("complaints.tasks.cases_autoassign_task.apply_async") as publish:
        for handle in ("one", "two"):
            _another_process(monkeypatch)
            with django_capture_on_commit_callbacks(execute=True):
                complaint_create(account_handle=handle)
    assert publish.call_count == 1


def test_with_redis_unreachable_each_process_keeps_a_window_of_its_own(caplog):
    LocMemCache(LOCAL_NAME, {}).clear()
    dead = FailOpenRedisCache(
        "redis://127.0.0.1:1/0", {"KEY_PREFIX": "ratelimit", "OPTIONS": {"socket_connect_timeout": 0.2}}
    )
    try:
        assert dead.add_briefly("batch:acknowledgements", 0.3) is True
        assert dead.add_briefly("batch:acknowledgements", 0.3) is False
        time.sleep(0.35)
        assert dead.add_briefly("batch:acknowledgements", 0.3) is True
    finally:
        LocMemCache(LOCAL_NAME, {}).clear()
    assert "rate-limit cache unreachable (ConnectionError)" in caplog.text
