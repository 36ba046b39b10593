"""A worker process keeps its PostgreSQL and SMTP connections across tasks, and replaces a broken one
without losing a notice.

Each test starts its own worker on a private redis-server. The SMTP servers of the second test run
on ports of their own (8650-8699), so that one can be stopped and started again on the same port.
"""

from __future__ import annotations

import socket
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction

from notices import services
from notices.models import Notice
from tests.factories import complaint_create

from .conftest import PrivateRedis, RecordingHandler, SmtpServer, _wait_for, worker_start

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker(private_redis: PrivateRedis, use_broker) -> PrivateRedis:
    use_broker(private_redis.url)
    return private_redis


# The worker names its connections (libpq reads PGAPPNAME), so that the test process's own other
# connections (the reports alias, a live server's thread) are not mistaken for the worker's.
WORKER_APPLICATION = "rp-test-worker-connections"


def _worker_backends() -> list[tuple[int, datetime, datetime]]:
    """(pid, backend_start, state_change) of every connection the worker has to the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start, state_change FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            [WORKER_APPLICATION],
        )
        return list(cursor.fetchall())


def _sent(notice: Notice) -> Notice:
    _wait_for(lambda: Notice.objects.filter(pk=notice.pk, status="SENT").exists(), timeout=60, what=f"{notice} SENT")
    notice.refresh_from_db()
    return notice


def test_two_tasks_share_one_database_connection_and_a_killed_one_is_replaced(broker, smtp_server: SmtpServer):
    smtp_server.reset()
    worker = worker_start(
        broker_url=broker.url, email_url=smtp_server.url, concurrency=1, env={"PGAPPNAME": WORKER_APPLICATION}
    )
    try:
        first = _sent(Notice.objects.get(complaint=complaint_create(account_handle="first_voice")))
        # Celery's own Django fixup would have closed it after the task: nothing would be connected.
        [(pid, started, _)] = _worker_backends()

        second = Notice.objects.get(complaint=complaint_create(account_handle="second_voice"))
        _sent(second)
        [(same_pid, same_start, last_used)] = _worker_backends()
        assert (same_pid, same_start) == (pid, started)
        assert last_used > second.created_at  # the second task's statements ran on that backend

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        _wait_for(lambda: not _worker_backends(), timeout=10, what="the backend to end")
        third = _sent(Notice.objects.get(complaint=complaint_create(account_handle="third_voice")))
        # The next task found the connection dead before its first query and opened another: its
        # one attempt succeeded.
        assert third.attempts == 1 and third.last_error == ""
        [(new_pid, _, _)] = _worker_backends()
        assert new_pid != pid
    finally:
        worker.stop()
    assert first.attempts == 1
    received = [str(m["Message-ID"]) for m in smtp_server.handler.messages]
    assert sorted(received) == sorted(
        Notice.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list("provider_message_id", flat=True)
    )


class CountingConnections(RecordingHandler):
    """Also counts SMTP sessions, to show the worker keeps its connection open between messages."""

    sessions: int = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
        self.sessions += 1
        session.host_name = hostname
        return responses


def _smtp_start(handler: RecordingHandler, port: int) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@pytest.fixture
def smtp_port() -> int:
    for port in range(8650, 8700):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.fail("no free port in 8650-8699")


@pytest.fixture
def counting_smtp(smtp_port: int) -> Iterator[tuple[CountingConnections, list[Controller]]]:
    handler = CountingConnections()
    controllers = [_smtp_start(handler, smtp_port)]
    yield handler, controllers
    for controller in controllers:
        controller.stop()


def _queue(count: int, run: str) -> list[int]:
    with transaction.atomic():
        return [
            services.notice_queue(
                channel="EMAIL",
                recipient_kind=Notice.RecipientKind.STAFF,
                address=f"staff{i}@pta.example",
                kind="test",
                language="en",
                subject=f"Notice {i}",
                body="A notice.\n",
                idempotency_key=f"{run}:{i}",
            ).pk
            for i in range(count)
        ]


def test_smtp_server_down_mid_batch_every_notice_arrives_and_any_second_copy_is_flagged(
    broker, counting_smtp, smtp_port
):
    handler, controllers = counting_smtp
    worker = worker_start(
        broker_url=broker.url,
        email_url=f"smtp://127.0.0.1:{smtp_port}",
        env={"NOTICE_MAX_ATTEMPTS": "30", "NOTICE_EMAIL_PER_SECOND": "0"},
    )
    try:
        warmup = _queue(10, "warmup")
        _wait_for(lambda: Notice.objects.filter(pk__in=warmup, status="SENT").count() == 10, timeout=30, what="warmup")
        # Two worker processes, one kept connection each, however many messages.
        assert handler.sessions <= 2

        ids = _queue(200, "batch")
        _wait_for(lambda: len(handler.messages) >= 20, timeout=30, what="the batch under way")
        controllers.pop().stop()  # the server goes away mid-batch, cutting the kept connections
        time.sleep(1.5)
        controllers.append(_smtp_start(handler, smtp_port))
        try:
            _wait_for(
                lambda: Notice.objects.filter(pk__in=ids, status="SENT").count() == len(ids),
                timeout=90,
                what="all sent",
            )
        except AssertionError as timeout:
            states = Counter(Notice.objects.filter(pk__in=ids).values_list("status", "last_error_kind"))
            raise AssertionError(f"{timeout}: {dict(states)}\n{worker.output()[-3000:]}") from None
    finally:
        worker.stop()
    notices = Notice.objects.filter(pk__in=ids)
    assert notices.filter(attempts__gt=1).exists(), "the outage should have failed some attempts"
    counts = handler.by_message_id()
    for notice in notices:
        delivered = counts.get(notice.provider_message_id, 0)
        assert delivered >= 1, f"notice {notice.pk} was lost"
        if delivered > 1:
            assert notice.possible_duplicate, f"notice {notice.pk} went out twice unflagged"
