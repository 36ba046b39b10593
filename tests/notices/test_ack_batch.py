"""The acknowledgements of a campaign, sent in batches: a fixed number of statements however many,
each row sent once, its text on record, and a failure confined to its own row."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notices import services
from notices.models import Notice
from tests.factories import complaint_create

pytestmark = pytest.mark.django_db


def _batch_statements(count: int) -> tuple[int, dict[str, int]]:
    for i in range(count):
        complaint_create(account_handle=f"wave{count}x{i}", preferred_language="en")
    mail.outbox.clear()
    with CaptureQueriesContext(connection) as queries:
        outcomes = services.acknowledgements_send()
    return len(queries), outcomes


def test_a_batch_costs_the_same_statements_for_one_acknowledgement_as_for_forty():
    one, outcomes_one = _batch_statements(1)
    forty, outcomes_forty = _batch_statements(40)
    assert (outcomes_one, outcomes_forty) == ({"SENT": 1}, {"SENT": 40})
    # The due rows, the claim, the complaints, the texts, the outcomes.
    assert one == forty == 5
    assert len(mail.outbox) == 40
    for notice in Notice.objects.filter(status="SENT"):
        # What went out is on the row, encrypted at rest and readable by staff.
        assert notice.complaint.reference in notice.subject and notice.complaint.reference in notice.body
        assert notice.sent_at is not None and notice.attempts == 1
        assert notice.provider_message_id == services.notice_message_id(idempotency_key=notice.idempotency_key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM notices_notice LIMIT 1")
        [stored] = cursor.fetchone()
    assert "Account" not in stored and "PTA" not in stored


def test_a_row_another_worker_has_claimed_is_left_to_it():
    complaints = [complaint_create(account_handle=f"claimed{i}", preferred_language="en") for i in range(3)]
    taken = Notice.objects.get(complaint=complaints[1])
    Notice.objects.filter(pk=taken.pk).update(status=Notice.Status.SENDING)  # mid-send elsewhere
    assert services.acknowledgements_send() == {"SENT": 2}
    assert sorted(m.to[0] for m in mail.outbox) == ["farah@example.pk"] * 2
    taken.refresh_from_db()
    assert (taken.status, taken.body, taken.attempts) == ("SENDING", "", 0)


def test_a_notice_that_cannot_be_rendered_fails_alone_and_the_rest_go_out():
    complaints = [complaint_create(account_handle=f"render{i}", preferred_language="en") for i in range(3)]
    orphan = Notice.objects.get(complaint=complaints[0])
    Notice.objects.filter(pk=orphan.pk).update(complaint=None)  # its complaint erased before the send
    outcomes = services.acknowledgements_send()
    assert outcomes == {"SENT": 2, "FAILED": 1}
    orphan.refresh_from_db()
    assert orphan.status == "FAILED" and orphan.body == "" and orphan.next_attempt_at is not None
    # Recorded as any failure is: by kind, with no text a provider or a template could have put PII in.
    assert (orphan.last_error_kind, orphan.last_error) == ("UNKNOWN", "LookupError")
    assert len(mail.outbox) == 2
