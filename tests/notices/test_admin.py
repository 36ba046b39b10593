"""The correspondence workflow in the admin, by role: Zara refers and records, only Sana approves."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from complaints.models import Case, PiiAccessLog
from notices.models import Letter, Notice, Reply
from tests.factories import complaint_create, notices_sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases_in_review(x_platform):
    x_platform.contacts.create(name="Trust and Safety", role="Trust and Safety", email="ts@x.example")
    complaints = [
        complaint_create(account_handle=f"kashmir_{i}", preferred_language=lang)
        for i, lang in enumerate(["ur", "en", "ur"])
    ]
    Case.objects.filter(pk__in=[c.case_id for c in complaints]).update(status=Case.Status.IN_REVIEW)
    return list(Case.objects.order_by("reference"))


def _refer(client, cases):
    return client.post(
        reverse("admin:complaints_case_changelist"),
        {"action": "refer_to_platform", ACTION_CHECKBOX_NAME: [c.pk for c in cases]},
        follow=True,
    )


def test_zara_refers_sana_approves_zara_sends_and_records_the_reply(staff_client, zara, sana, cases_in_review):
    as_zara, as_sana = staff_client(zara), staff_client(sana)

    response = _refer(as_zara, cases_in_review)
    assert response.status_code == 200
    letter = Letter.objects.get()
    assert "Draft letters for a supervisor to approve" in response.content.decode()
    assert letter.cases.count() == 3 and letter.created_by == zara

    page = as_zara.get(reverse("admin:notices_letter_change", args=[letter.pk]))
    assert page.status_code == 200 and "Approve this letter" not in page.content.decode()
    as_zara.post(reverse("admin:notices_letter_approve", args=[letter.pk]))
    letter.refresh_from_db()
    assert letter.status == Letter.Status.DRAFT  # Zara may not approve

    page = as_sana.get(reverse("admin:notices_letter_change", args=[letter.pk]))
    assert "Approve this letter" in page.content.decode()
    as_sana.post(reverse("admin:notices_letter_approve", args=[letter.pk]))
    letter.refresh_from_db()
    assert letter.status == Letter.Status.APPROVED and letter.approved_by == sana

    as_zara.post(reverse("admin:notices_letter_send", args=[letter.pk]))
    letter.refresh_from_db()
    assert letter.status == Letter.Status.SENT
    assert set(Case.objects.values_list("status", flat=True)) == {Case.Status.AWAITING_PLATFORM}

    # The annex names complainants: a correspondence officer (no PII permission) cannot download it.
    annex_url = reverse("admin:notices_letter_annex", args=[letter.pk])
    assert as_zara.get(annex_url).status_code == 403
    assert (
        "Download annex" not in as_zara.get(reverse("admin:notices_letter_change", args=[letter.pk])).content.decode()
    )
    annex = as_sana.get(annex_url)
    assert annex["Content-Type"].startswith("text/csv") and len(annex.content.decode().strip().splitlines()) == 4
    # The three complainants consented, so their names are in the file: each export is on record.
    assert not PiiAccessLog.objects.filter(user=zara).exists()
    exported = PiiAccessLog.objects.filter(action=PiiAccessLog.Action.EXPORT, user=sana)
    assert sorted(exported.values_list("complaint__case", flat=True)) == sorted(c.pk for c in cases_in_review)

    reply_url = reverse("admin:notices_letter_reply", args=[letter.pk])
    assert as_zara.get(reply_url).status_code == 200
    data = {
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "platform_ticket_ref": "X-555",
        "kind": "DECISION",
        "text": "Two accounts restored.",
        "cases": ",".join(str(c.pk) for c in cases_in_review),
        "outcome-TOTAL_FORMS": "3",
        "outcome-INITIAL_FORMS": "3",
    }
    for i, _case in enumerate(cases_in_review):
        data[f"outcome-{i}-action_taken"] = "YES" if i < 2 else "UNSPECIFIED"
        data[f"outcome-{i}-outcome"] = "REINSTATED" if i < 2 else ""
    stale = as_zara.post(reply_url, {**data, "cases": str(cases_in_review[0].pk)}, follow=True)
    assert "changed meanwhile" in stale.content.decode() and Reply.objects.count() == 0
    response = as_zara.post(reply_url, data)
    reply = Reply.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/reply/{reply.pk}/change/")
    statuses = list(Case.objects.order_by("reference").values_list("status", flat=True))
    assert statuses == [Case.Status.CLOSED, Case.Status.CLOSED, Case.Status.PLATFORM_RESPONDED]
    assert Notice.objects.filter(kind="closed").count() == 2
    assert as_zara.get(reverse("admin:notices_reply_change", args=[reply.pk])).status_code == 200


def test_a_caseworker_has_no_refer_action_and_bad_input_is_a_message_not_a_500(staff_client, ayesha, zara, x_platform):
    new_case = complaint_create(account_handle="too_early").case
    page = staff_client(ayesha).get(reverse("admin:complaints_case_changelist"))
    assert "refer_to_platform" not in page.content.decode()
    response = _refer(staff_client(zara), [new_case])  # a NEW case cannot be referred yet
    assert response.status_code == 200 and "cannot be referred" in response.content.decode()
    assert Letter.objects.count() == 0


def test_sana_retries_a_dead_notice_from_the_dead_list(staff_client, sana, omar):
    notice = Notice.objects.get(complaint=complaint_create())
    Notice.objects.filter(pk=notice.pk).update(status="DEAD", attempts=6, last_error="550 refused")
    url = reverse("admin:notices_notice_changelist")
    dead_list = staff_client(sana).get(url, {"status__exact": "DEAD"})
    assert dead_list.status_code == 200 and "550" not in dead_list.content.decode()
    assert "retry_dead" not in staff_client(omar).get(url).content.decode()
    staff_client(sana).post(url, {"action": "retry_dead", ACTION_CHECKBOX_NAME: [notice.pk]})
    notice.refresh_from_db()
    assert notice.status == "QUEUED"


def test_an_analyst_sees_letters_and_overdue_filter_but_no_buttons(staff_client, omar, zara, cases_in_review):
    from notices import services

    [letter] = services.letter_draft_for_cases(cases=cases_in_review, actor=zara)
    client = staff_client(omar)
    assert client.get(reverse("admin:notices_letter_changelist"), {"overdue": "yes"}).status_code == 200
    page = client.get(reverse("admin:notices_letter_change", args=[letter.pk]))
    assert page.status_code == 200 and "Approve this letter" not in page.content.decode()
    assert client.get(reverse("admin:notices_letter_reply", args=[letter.pk])).status_code == 403


def test_a_citizens_notice_body_is_hidden_from_the_analyst_and_shown_to_the_supervisor(staff_client, omar, sana):
    complaint = complaint_create(full_name="Farah Qureshi", preferred_language="en")
    notice = Notice.objects.get(complaint=complaint)
    url = reverse("admin:notices_notice_change", args=[notice.pk])
    assert "written from the complaint when it is sent" in staff_client(sana).get(url).content.decode()
    notices_sent(complaint)
    assert "Farah Qureshi" not in staff_client(omar).get(url).content.decode()
    assert "Farah Qureshi" in staff_client(sana).get(url).content.decode()
    listing = staff_client(omar).get(reverse("admin:notices_notice_changelist")).content.decode()
    assert "farah@example.pk" not in listing  # addresses are masked in the list


def test_a_letter_template_that_does_not_parse_is_refused(staff_client, sana):
    from notices.models import LetterTemplate

    template = LetterTemplate.objects.get(letter_type="REMINDER", language="en")
    seeded = template.body
    response = staff_client(sana).post(
        reverse("admin:notices_lettertemplate_change", args=[template.pk]),
        {"letter_type": "REMINDER", "language": "en", "subject": "Reminder", "body": "{% for case in cases %}"},
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    template.refresh_from_db()
    assert template.body == seeded
