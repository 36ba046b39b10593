"""A platform's attachments: checked like evidence on the way in, behind a permission and logged on the way out."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from complaints.models import Case, PiiAccessLog
from notices import services
from notices.models import Reply, ReplyAttachment
from tests.factories import complaint_create
from tests.intake.test_evidence import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_letter(zara, sana, x_platform):
    x_platform.contacts.create(name="Trust and Safety", role="Trust and Safety", email="ts@x.example")
    complaint = complaint_create()
    Case.objects.filter(pk=complaint.case_id).update(status=Case.Status.IN_REVIEW)
    [letter] = services.letter_draft_for_cases(cases=[complaint.case], actor=zara)
    services.letter_approve(letter=letter, actor=sana)
    return services.letter_send(letter=letter, actor=zara)


def _reply_post(client, letter, files):
    case = letter.cases.get()
    data = {
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "platform_ticket_ref": "X-1",
        "kind": "ACKNOWLEDGEMENT",
        "text": "Received.",
        "cases": str(case.pk),
        "outcome-TOTAL_FORMS": "1",
        "outcome-INITIAL_FORMS": "1",
        "outcome-0-action_taken": "UNSPECIFIED",
        "outcome-0-outcome": "",
        "attachments": files,
    }
    return client.post(reverse("admin:notices_letter_reply", args=[letter.pk]), data)


def test_zara_attaches_one_pdf_in_the_admin_and_only_permitted_roles_download_it_each_time_logged(
    staff_client, zara, sana, omar, sent_letter
):
    response = _reply_post(staff_client(zara), sent_letter, [SimpleUploadedFile("decision.pdf", pdf_bytes())])
    assert response.status_code == 302
    attachment = ReplyAttachment.objects.get()
    assert attachment.original_name == "decision.pdf" and attachment.content_type == "application/pdf"
    url = reverse("admin:notices_reply_attachment", args=[attachment.reply_id, attachment.pk])

    assert staff_client(omar).get(url).status_code == 403  # analysts read replies, not their attachments
    assert not PiiAccessLog.objects.filter(user=omar).exists()
    for user in (zara, sana):
        download = staff_client(user).get(url)
        assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
        logged = PiiAccessLog.objects.get(user=user, action=PiiAccessLog.Action.EVIDENCE)
        assert logged.detail["reply_attachment"] == attachment.pk
        assert logged.detail["letter"] == sent_letter.our_reference


def test_a_disguised_attachment_is_refused_with_a_message_and_nothing_is_recorded(staff_client, zara, sent_letter):
    fake = SimpleUploadedFile("decision.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = _reply_post(staff_client(zara), sent_letter, [fake])
    assert response.status_code == 200 and "decision.pdf" in response.content.decode()
    assert "errorlist" in response.content.decode()
    assert Reply.objects.count() == 0 and ReplyAttachment.objects.count() == 0
