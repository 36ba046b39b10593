"""Delivery through a real Celery worker process on Redis to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Case
from notices import services
from notices.models import Letter, Notice, ReplyCaseOutcome
from tests.factories import complaint_create

from .conftest import PrivateRedis, SmtpServer, Worker, _wait_for, text_of, worker_start

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def module_worker(django_db_setup, private_redis: PrivateRedis, smtp_server: SmtpServer) -> Iterator[Worker]:
    # The broker is a private redis-server, not TEST_REDIS_URL: the suite's autouse cache.clear()
    # flushes that database between tests, which would drop queued messages and kombu's bindings.
    proc = worker_start(broker_url=private_redis.url, email_url=smtp_server.url)
    yield proc
    proc.stop()


@pytest.fixture
def worker(module_worker: Worker, private_redis: PrivateRedis, use_broker) -> Worker:
    use_broker(private_redis.url)
    return module_worker


@pytest.fixture(autouse=True)
def _fresh_smtp(smtp_server: SmtpServer) -> Iterator[None]:
    smtp_server.reset()
    yield
    smtp_server.reset()


def _wait_status(notice: Notice, status: str, timeout: float = 20) -> Notice:
    _wait_for(
        lambda: Notice.objects.filter(pk=notice.pk, status=status).exists(), timeout=timeout, what=f"{notice} {status}"
    )
    notice.refresh_from_db()
    return notice


def test_acknowledgement_is_delivered_exactly_once(worker, smtp_server):
    complaint = complaint_create(preferred_language="en")
    notice = _wait_status(Notice.objects.get(complaint=complaint), "SENT")
    # The broker delivers at least once, and the sweeper re-publishes: simulate both.
    services.notice_publish(notice_id=notice.pk)
    services.notice_publish(notice_id=notice.pk)
    time.sleep(1.0)
    assert len(smtp_server.handler.messages) == 1
    message = smtp_server.handler.messages[0]
    assert message["Message-ID"] == notice.provider_message_id
    assert message["To"] == "farah@example.pk"
    assert complaint.reference in message["Subject"] and complaint.reference in text_of(message)
    notice.refresh_from_db()
    assert notice.attempts == 1 and not notice.possible_duplicate


def test_a_refusing_smtp_server_is_retried_then_the_notice_is_dead(worker, smtp_server):
    smtp_server.handler.refuse = True
    notice = Notice.objects.get(complaint=complaint_create())
    notice = _wait_status(notice, "DEAD", timeout=30)
    assert notice.attempts == 3  # NOTICE_MAX_ATTEMPTS in the worker's environment
    assert "550" in notice.last_error
    assert smtp_server.handler.messages == []


def test_a_reply_notifies_each_citizen_in_their_own_language(worker, smtp_server, zara, sana, x_platform):
    urdu = complaint_create(account_handle="urdu_voice", preferred_language="ur", full_name="Farah Qureshi")
    english = complaint_create(account_handle="english_voice", preferred_language="en", full_name="Imran Ali")
    Case.objects.filter(pk__in=[urdu.case_id, english.case_id]).update(status=Case.Status.IN_REVIEW)
    x_platform.contacts.create(name="Trust and Safety", role="Trust and Safety", email="ts@x.example")
    [letter] = services.letter_draft_for_cases(cases=[urdu.case, english.case], actor=zara)
    services.letter_approve(letter=letter, actor=sana)
    services.letter_send(letter=letter, actor=zara)
    services.reply_record(
        letter=Letter.objects.get(pk=letter.pk),
        received_at=timezone.now() - timedelta(minutes=5),
        ticket_ref="X-TKT-991",
        text="We have restored one account and upheld the other.",
        outcomes=[
            services.CaseOutcomeInput(
                case=urdu.case, action_taken=ReplyCaseOutcome.ActionTaken.YES, outcome=Case.Outcome.REINSTATED
            ),
            services.CaseOutcomeInput(
                case=english.case, action_taken=ReplyCaseOutcome.ActionTaken.NO, outcome=Case.Outcome.RESTRICTION_UPHELD
            ),
        ],
        attachments=[],
        actor=zara,
    )
    closed = Notice.objects.filter(kind="closed")
    assert closed.count() == 2
    for notice in closed:
        _wait_status(notice, "SENT")
    by_id = {str(m["Message-ID"]): m for m in smtp_server.handler.messages}
    urdu_text = text_of(by_id[closed.get(complaint=urdu).provider_message_id])
    english_text = text_of(by_id[closed.get(complaint=english).provider_message_id])
    assert "پلیٹ فارم نے اکاؤنٹ بحال کر دیا ہے۔" in urdu_text
    assert "The platform has kept its restriction in place." in english_text
    # The letter itself went to the platform's contact with its annex.
    letter_notice = _wait_status(Notice.objects.get(letter=letter), "SENT")
    letter_message = by_id[letter_notice.provider_message_id]
    annex = [part for part in letter_message.iter_attachments() if part.get_filename().endswith("-annex.csv")]
    assert len(annex) == 1 and letter_message["To"] == "ts@x.example"
    for case in (urdu.case, english.case):
        case.refresh_from_db()
        assert case.status == Case.Status.CLOSED and case.timely_response is True
