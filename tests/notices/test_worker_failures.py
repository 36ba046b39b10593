"""The broker goes away, and a worker dies mid-send: nothing is lost, and a second copy goes out only
where the first may have been accepted, flagged possible_duplicate.

Each test runs its own redis-server on a private port (6391-6398) and its own worker processes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from notices import services
from notices.models import Notice
from tests.factories import complaint_create

from .conftest import PrivateRedis, SmtpServer, _wait_for, worker_start

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker(private_redis: PrivateRedis, use_broker, smtp_server: SmtpServer) -> Iterator[PrivateRedis]:
    smtp_server.reset()
    use_broker(private_redis.url)
    yield private_redis
    smtp_server.reset()


def _all_sent(ids: list[int], timeout: float = 30) -> None:
    _wait_for(
        lambda: Notice.objects.filter(pk__in=ids, status="SENT").count() == len(ids), timeout=timeout, what="all sent"
    )


def test_redis_down_during_a_submission_the_notice_goes_out_once_redis_is_back(broker, smtp_server, settings):
    worker = worker_start(broker_url=broker.url, email_url=smtp_server.url)
    try:
        broker.stop()
        complaint = complaint_create(preferred_language="en")  # the citizen's submission succeeds
        notice = Notice.objects.get(complaint=complaint)
        assert notice.status == "QUEUED"

        broker.start()  # an empty Redis: whatever was in it is gone
        settings.NOTICE_REPUBLISH_AFTER_SECONDS = 0
        assert services.notice_sweep()["published"] == 1  # what beat does every minute
        _all_sent([notice.pk])
        services.notice_sweep()  # a later sweep finds nothing to do
    finally:
        worker.stop()
    assert [m["Message-ID"] for m in smtp_server.handler.messages] == [
        Notice.objects.get(pk=notice.pk).provider_message_id
    ]


def test_a_worker_killed_mid_send_loses_nothing_and_flags_the_possible_duplicate(broker, smtp_server, settings):
    worker = worker_start(broker_url=broker.url, email_url=smtp_server.url)
    try:
        # The SMTP server stores each message and then keeps the client waiting for its "250": the
        # worker is killed after the message was accepted but before it could record SENT.
        smtp_server.handler.hold = True
        ids = [Notice.objects.get(complaint=complaint_create(account_handle=f"acct{i}")).pk for i in range(6)]
        _wait_for(lambda: len(smtp_server.handler.messages) >= 1, timeout=20, what="a send in flight")
        worker.kill()
    finally:
        worker.stop()
        smtp_server.handler.hold = False
    accepted_before_kill = {str(m["Message-ID"]) for m in smtp_server.handler.messages}
    in_flight = set(Notice.objects.filter(pk__in=ids, status="SENDING").values_list("pk", flat=True))
    assert in_flight, "the kill should have caught at least one notice mid-send"

    # Beat's sweeper: rows held by the dead worker are reclaimed and flagged; everything unsent is
    # published again (the dead worker's reserved messages would only come back after the visibility
    # timeout of an hour).
    settings.NOTICE_SENDING_TIMEOUT_SECONDS = 0
    settings.NOTICE_REPUBLISH_AFTER_SECONDS = 0
    services.notice_sweep()
    flagged = set(Notice.objects.filter(pk__in=ids, possible_duplicate=True).values_list("pk", flat=True))
    assert flagged == in_flight

    worker = worker_start(broker_url=broker.url, email_url=smtp_server.url)
    try:
        _all_sent(ids)
    finally:
        worker.stop()

    counts: dict[str, int] = {}
    for message in smtp_server.handler.messages:
        counts[str(message["Message-ID"])] = counts.get(str(message["Message-ID"]), 0) + 1
    for notice in Notice.objects.filter(pk__in=ids):
        delivered = counts.get(notice.provider_message_id, 0)
        assert delivered >= 1, f"notice {notice.pk} was lost"
        if delivered > 1:
            # A second copy only where the first was accepted before the kill, and flagged.
            assert notice.possible_duplicate and notice.provider_message_id in accepted_before_kill
            assert delivered == 2
    assert any(count == 2 for count in counts.values())
