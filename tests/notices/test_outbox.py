"""The outbox without a worker: rows written in the transaction, published after commit, claimed once."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from complaints.models import CaseEvent
from notices import services
from notices.models import Channel, Notice
from notices.sms import LocmemBackend
from tests.factories import complaint_create, notices_sent

pytestmark = pytest.mark.django_db


def test_acknowledgement_is_queued_in_the_submission_and_published_only_after_commit(
    django_capture_on_commit_callbacks,
):
    with (
        mock.patch("notices.tasks.acknowledgements_send_task.apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        complaint = complaint_create(preferred_language="en")
        notice = Notice.objects.get(complaint=complaint)
        assert publish.call_count == 0  # nothing leaves before the commit
    # The submission's other callback publishes its new case for assignment (complaints.tasks).
    assert callbacks.count(services.acknowledgements_publish) == 1
    assert publish.call_args.kwargs["countdown"] == settings.NOTICE_ACK_BATCH_SECONDS
    assert notice.kind == "acknowledgement"
    assert notice.channel == Channel.EMAIL
    assert CaseEvent.objects.filter(case=complaint.case, kind=CaseEvent.Kind.NOTICE).count() == 1
    # The worker renders the text at send time, and keeps what it sent on the row.
    assert (notice.subject, notice.body) == ("", "")
    [notice] = notices_sent(complaint)
    assert complaint.reference in notice.subject and complaint.reference in notice.body
    assert (mail.outbox[0].subject, mail.outbox[0].body) == (notice.subject, notice.body)


def test_a_signal_sent_twice_queues_one_acknowledgement_and_one_timeline_entry():
    complaint = complaint_create(preferred_language="en")
    services.citizen_acknowledge(complaint=complaint)
    assert Notice.objects.filter(complaint=complaint).count() == 1
    assert CaseEvent.objects.filter(case=complaint.case, kind=CaseEvent.Kind.NOTICE).count() == 1


def test_nothing_is_published_when_the_submission_rolls_back(django_capture_on_commit_callbacks):
    with (
        mock.patch("notices.tasks.notice_send_task.apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        complaint_create()
        raise RuntimeError("the submission failed after the notice was written")
    assert callbacks == []
    publish.assert_not_called()
    assert Notice.objects.count() == 0


def test_a_publish_failure_is_logged_and_the_submission_still_succeeds(django_capture_on_commit_callbacks, caplog):
    with (
        mock.patch("notices.tasks.acknowledgements_send_task.apply_async", side_effect=ConnectionError("redis down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        complaint = complaint_create()
    notice = Notice.objects.get(complaint=complaint)
    assert notice.status == Notice.Status.QUEUED
    assert "the sweeper will publish them" in caplog.text


def test_after_a_failed_publish_the_rest_of_a_batch_is_left_to_the_sweeper(django_capture_on_commit_callbacks):
    with (
        mock.patch(
            "notices.tasks.acknowledgements_send_task.apply_async", side_effect=TimeoutError("unreachable")
        ) as publish,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        for i in range(5):
            complaint_create(account_handle=f"batch{i}")
    assert publish.call_count == 1  # one slow failure, not five
    assert Notice.objects.filter(status="QUEUED").count() == 5


def test_a_burst_of_submissions_publishes_one_batch_that_sends_each_acknowledgement_once(
    django_capture_on_commit_callbacks, monkeypatch
):
    with mock.patch("notices.tasks.acknowledgements_send_task.apply_async") as publish:
        for i in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                complaint_create(account_handle=f"burst{i}", preferred_language="en")
        assert publish.call_count == 1  # the batch published for the first runs after the other two
        # Once that batch has run, the next submission publishes the next one.
        monkeypatch.setattr("regulator_portal.batching._covered_until", {})
        caches["ratelimit"].clear()
        with django_capture_on_commit_callbacks(execute=True):
            complaint_create(account_handle="after", preferred_language="en")
        assert publish.call_count == 2

    assert services.acknowledgements_send() == {"SENT": 4}
    assert services.acknowledgements_send() == {}  # a second batch, or a redelivered one, sends nothing
    assert sorted(m.to[0] for m in mail.outbox) == ["farah@example.pk"] * 4
    assert [n.status for n in Notice.objects.order_by("pk")] == ["SENT"] * 4


def test_a_batch_stops_at_the_rate_limit_and_is_published_again_after_the_wait(settings):
    settings.NOTICE_RATE_LIMITS = {**settings.NOTICE_RATE_LIMITS, "EMAIL": 2}
    for i in range(3):
        complaint_create(account_handle=f"limited{i}", preferred_language="en")
    with mock.patch("notices.tasks.acknowledgements_send_task.apply_async") as again:
        assert services.acknowledgements_send() == {"SENT": 2, "THROTTLED": 1}
    assert again.call_args.kwargs["countdown"] == 1.0
    assert Notice.objects.filter(status="QUEUED").count() == 1


def test_a_failed_send_in_a_batch_goes_on_with_its_own_retries():
    notice = Notice.objects.get(complaint=complaint_create())
    with (
        mock.patch("notices.services.outbox.EmailMessage.send", side_effect=OSError("connection refused")),
        mock.patch("notices.tasks.notice_send_task.apply_async") as retry,
    ):
        assert services.acknowledgements_send() == {"FAILED": 1}
    assert retry.call_args.args == ((notice.pk,),)
    assert retry.call_args.kwargs["countdown"] > 0


def test_citizen_without_email_gets_an_sms_in_urdu():
    complaint = complaint_create(email="", preferred_language="ur")
    [notice] = notices_sent(complaint)
    assert (notice.channel, notice.address, notice.language) == ("SMS", complaint.mobile, "ur")
    assert complaint.reference in notice.body and "موصول" in notice.body
    assert notice.body.rstrip().endswith("/ur/complaints/track/")  # the tracking page, in Urdu


def test_send_claims_once_and_uses_a_deterministic_message_id():
    complaint = complaint_create(preferred_language="en")
    notice = Notice.objects.get(complaint=complaint)
    assert services.notice_send(notice_id=notice.pk).status == "SENT"
    assert services.notice_send(notice_id=notice.pk).status == "SKIPPED"  # a duplicate task message
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.status == "SENT" and notice.attempts == 1 and notice.sent_at is not None
    expected = services.notice_message_id(idempotency_key=notice.idempotency_key)
    assert mail.outbox[0].extra_headers["Message-ID"] == expected == notice.provider_message_id


def test_sms_goes_through_the_configured_backend():
    notice = Notice.objects.get(complaint=complaint_create(email=""))
    services.notice_send(notice_id=notice.pk)
    assert [m.to for m in LocmemBackend.outbox] == [notice.address]


def test_failures_back_off_exponentially_with_a_cap_then_go_dead(settings):
    settings.NOTICE_MAX_ATTEMPTS = 3
    settings.NOTICE_BACKOFF_BASE_SECONDS = 10
    settings.NOTICE_BACKOFF_MAX_SECONDS = 15
    notice = Notice.objects.get(complaint=complaint_create())
    with mock.patch("notices.services.outbox.EmailMessage.send", side_effect=OSError("connection refused")):
        first = services.notice_send(notice_id=notice.pk)
        assert (first.status, first.retry_in) == ("FAILED", 10)
        assert services.notice_send(notice_id=notice.pk).status == "SKIPPED"  # not due yet
        Notice.objects.filter(pk=notice.pk).update(next_attempt_at=timezone.now())
        assert services.notice_send(notice_id=notice.pk).retry_in == 15  # 20, capped
        Notice.objects.filter(pk=notice.pk).update(next_attempt_at=timezone.now())
        assert services.notice_send(notice_id=notice.pk).status == "DEAD"
    notice.refresh_from_db()
    assert notice.status == "DEAD" and notice.attempts == 3 and notice.last_error_kind == "CONNECTION"


def test_supervisor_retries_a_dead_notice(sana, zara, django_capture_on_commit_callbacks):
    notice = Notice.objects.get(complaint=complaint_create())
    Notice.objects.filter(pk=notice.pk).update(status="DEAD", attempts=6)
    with pytest.raises(PermissionDenied):
        services.notice_retry(notice=notice, actor=zara)
    with (
        mock.patch("notices.tasks.notice_send_task.apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.notice_retry(notice=notice, actor=sana)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("QUEUED", 0)
    publish.assert_called_once()


def test_sweeper_republishes_lost_rows_and_reclaims_rows_of_dead_workers(settings):
    settings.NOTICE_REPUBLISH_AFTER_SECONDS = 60
    settings.NOTICE_SENDING_TIMEOUT_SECONDS = 300
    lost = Notice.objects.get(complaint=complaint_create(account_handle="lost"))
    fresh = Notice.objects.get(complaint=complaint_create(account_handle="fresh"))
    stuck = Notice.objects.get(complaint=complaint_create(account_handle="stuck"))
    long_ago = timezone.now() - timedelta(minutes=10)
    Notice.objects.filter(pk=lost.pk).update(next_attempt_at=long_ago)
    Notice.objects.filter(pk=stuck.pk).update(status="SENDING", claimed_at=long_ago, attempts=1)
    with mock.patch("notices.services.outbox._publish", return_value=True) as publish:
        result = services.notice_sweep()
        assert sorted(c.args[0] for c in publish.call_args_list) == sorted([lost.pk, stuck.pk])
        assert result == {"reclaimed": 1, "dead": 0, "published": 2}
        publish.reset_mock()
        services.notice_sweep()  # a second sweep right away publishes nothing again
        publish.assert_not_called()
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == "FAILED" and stuck.possible_duplicate
    assert fresh.status == "QUEUED" and not fresh.possible_duplicate


def test_queueing_the_same_key_twice_writes_one_row():
    complaint = complaint_create()
    kwargs = dict(
        channel="EMAIL",
        recipient_kind="CITIZEN",
        address="a@example.pk",
        kind="x",
        language="en",
        subject="s",
        body="b",
        idempotency_key="same-key",
    )
    assert services.notice_queue(**kwargs).pk == services.notice_queue(**kwargs, complaint=complaint).pk
    assert Notice.objects.filter(idempotency_key="same-key").count() == 1


def test_rate_limit_throttles_a_channel(settings):
    settings.NOTICE_RATE_LIMITS = {"EMAIL": 1, "SMS": 1}
    first = Notice.objects.get(complaint=complaint_create(account_handle="one"))
    second = Notice.objects.get(complaint=complaint_create(account_handle="two"))
    with mock.patch("notices.services.outbox.time.time", return_value=1_000_000.0):
        assert services.notice_send(notice_id=first.pk).status == "SENT"
        throttled = services.notice_send(notice_id=second.pk)
    assert (throttled.status, throttled.retry_in) == ("THROTTLED", 1.0)
    assert Notice.objects.get(pk=second.pk).status == "QUEUED"


def test_a_citizens_address_and_notice_body_are_encrypted_at_rest():
    complaint = complaint_create(full_name="Farah Qureshi", email="farah@example.pk")
    [notice] = notices_sent(complaint)
    with connection.cursor() as cursor:
        cursor.execute("SELECT address, body FROM notices_notice WHERE id = %s", [notice.pk])
        address, body = cursor.fetchone()
    assert "farah" not in address and "Farah" not in body and complaint.reference not in body
    assert notice.address == "farah@example.pk" and "Farah Qureshi" in notice.body
