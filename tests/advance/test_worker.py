"""The response to an advance notice delivered by a real Celery worker on Redis: to the platform's
HTTPS webhook (signed, one delivery id) and by email to its primary contact (aiosmtpd)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from complaints.models import PlatformContact
from notices.models import Notice, PlatformWebhook
from notices.services import advance_notice_approve, advance_notice_respond, notice_publish

from ..notices.conftest import PrivateRedis, SmtpServer, Worker, _wait_for, text_of, worker_start
from .conftest import WEBHOOK_SECRET, notice_submit
from .receiver import Receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def module_worker(
    django_db_setup: Any, private_redis: PrivateRedis, smtp_server: SmtpServer, tls_files: Any
) -> Iterator[Worker]:
    cert, _key = tls_files
    proc = worker_start(
        broker_url=private_redis.url,
        email_url=smtp_server.url,
        env={"WEBHOOK_CA_BUNDLE": str(cert), "NOTICE_MAX_ATTEMPTS": "20", "WEBHOOK_TIMEOUT": "3"},
    )
    yield proc
    proc.stop()


@pytest.fixture
def worker(module_worker: Worker, private_redis: PrivateRedis, use_broker: Any, smtp_server: SmtpServer) -> Worker:
    use_broker(private_redis.url)
    smtp_server.reset()
    return module_worker


def _wait_status(notice: Notice, status: str, timeout: float = 30) -> Notice:
    _wait_for(
        lambda: Notice.objects.filter(pk=notice.pk, status=status).exists(), timeout=timeout, what=f"{notice} {status}"
    )
    notice.refresh_from_db()
    return notice


def test_approved_objection_reaches_the_webhook_and_the_contact_once(
    worker, receiver: Receiver, smtp_server, x_platform, zara, sana
):
    PlatformContact.objects.create(platform=x_platform, name="T&S", role="Trust and Safety", email="ts@x.example")
    PlatformWebhook.objects.create(platform=x_platform, url=receiver.url, secret=WEBHOOK_SECRET)
    notice = notice_submit(x_platform)
    notice = advance_notice_respond(
        notice=notice, response="OBJECTION", reasons="Political speech.", rule="PECA s.37(1)", actor=zara
    )
    advance_notice_approve(notice=notice, actor=sana)

    push = _wait_status(Notice.objects.get(channel="WEBHOOK"), "SENT")
    email = _wait_status(Notice.objects.get(channel="EMAIL", recipient_kind="PLATFORM_CONTACT"), "SENT")
    # At-least-once publishing: a second copy of the task must not push or mail again.
    notice_publish(notice_id=push.pk)
    notice_publish(notice_id=email.pk)
    time.sleep(1.5)
    assert receiver.valid_ids() == [push.idempotency_key]
    assert json.loads(receiver.deliveries[0].body)["data"]["response"] == "OBJECTION"
    [message] = smtp_server.handler.messages
    assert message["To"] == "ts@x.example"
    assert "PECA s.37(1)" in text_of(message)


def test_receiver_down_the_push_fails_then_is_sent_once_it_is_back(worker, receiver: Receiver, x_platform, zara):
    PlatformWebhook.objects.create(platform=x_platform, url=receiver.url, secret=WEBHOOK_SECRET)
    receiver.stop()
    notice = notice_submit(x_platform)
    advance_notice_respond(notice=notice, response="NO_OBJECTION", reasons="", rule="", actor=zara)
    push = Notice.objects.get(channel="WEBHOOK")
    _wait_for(
        lambda: Notice.objects.filter(pk=push.pk, status="FAILED", attempts__gte=1).exists(),
        timeout=30,
        what="push FAILED while the receiver is down",
    )
    receiver.start()
    push = _wait_status(push, "SENT")
    assert push.attempts >= 2
    assert not push.possible_duplicate
    assert receiver.valid_ids() == [push.idempotency_key]
