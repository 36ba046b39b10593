"""Advance notices in the admin, as each role sees them: entering an emailed notice, the account's
history (masked), the respond/approve/final-action buttons, the lists and the supervisor's landing page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.models import PlatformContact
from complaints.pii import mobile_mask
from notices.models import AdvanceNotice, Notice, PlatformWebhook
from tests.factories import complaint_create

from .conftest import WEBHOOK_SECRET, notice_submit

pytestmark = pytest.mark.django_db


def _page(notice: AdvanceNotice) -> str:
    return reverse("admin:notices_advancenotice_change", args=[notice.pk])


def _form(**overrides):
    now = timezone.localtime().replace(second=0, microsecond=0)
    data = {
        "account_handle": "https://x.com/KashmirVoice",
        "puid": "1456789012345678901",
        "platform_reference": "X-MAIL-7",
        "received_at": now.strftime("%Y-%m-%dT%H:%M"),
        "decision_account": "SUSPENDED",
        "territorial_scope": "pk, in",
        "decision_ground": "ILLEGAL_CONTENT",
        "legal_ground": "PECA s.37",
        "explanation": "Reported by a public authority.",
        "content_urls": "https://x.com/KashmirVoice/status/1\nhttps://x.com/KashmirVoice/status/2",
        "automated_decision": "NOT_AUTOMATED",
        "proposed_effective_date": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "authority_request": "on",
        "authority_name": "FIA Cybercrime Wing",
    }
    data.update(overrides)
    return data


def test_zara_enters_a_notice_that_arrived_by_email(staff_client, zara, x_platform):
    client = staff_client(zara)
    response = client.post(reverse("admin:notices_advancenotice_add"), _form(platform=x_platform.pk))
    notice = AdvanceNotice.objects.get()
    assert response.status_code == 302 and response["Location"] == _page(notice)
    assert notice.source == "EMAIL"
    assert notice.territorial_scope == ["PK", "IN"]
    assert len(notice.content_urls) == 2
    assert notice.assigned_to == zara

    again = client.post(reverse("admin:notices_advancenotice_add"), _form(platform=x_platform.pk))
    assert again.status_code == 200
    assert _page(notice) in again.content.decode()
    assert AdvanceNotice.objects.count() == 1


def test_a_bad_emailed_notice_is_shown_back_with_the_field_error(staff_client, zara, x_platform):
    response = staff_client(zara).post(
        reverse("admin:notices_advancenotice_add"),
        _form(platform=x_platform.pk, legal_ground="", content_urls="ftp:/x"),
    )
    assert response.status_code == 200
    assert "Illegal content needs the legal ground." in response.content.decode()
    assert not AdvanceNotice.objects.exists()


def test_an_analyst_cannot_enter_a_notice(staff_client, omar, x_platform):
    response = staff_client(omar).post(reverse("admin:notices_advancenotice_add"), _form(platform=x_platform.pk))
    assert response.status_code == 403
    assert not AdvanceNotice.objects.exists()


def test_notice_page_shows_the_account_history_masked_for_the_viewer(staff_client, omar, sana, x_platform):
    complaint = complaint_create(account_handle="KashmirVoice", full_name="Farah Qureshi")
    notice = notice_submit(x_platform)
    for user, name_shown in ((omar, False), (sana, sana.has_perm("complaints.view_complainant_pii"))):
        html = staff_client(user).get(_page(notice)).content.decode()
        assert complaint.reference in html and complaint.case.reference in html
        assert complaint.cnic not in html and complaint.mobile not in html
        assert mobile_mask(complaint.mobile) in html  # the mask: enough to recognise
        assert ("Farah Qureshi" in html) is name_shown
        assert "F. ***" in html or name_shown
        assert "Received" in html  # the timeline


def test_objection_through_the_buttons_with_four_eyes(staff_client, zara, sana, x_platform):
    PlatformWebhook.objects.create(platform=x_platform, url="https://hooks.x.example/pta", secret=WEBHOOK_SECRET)
    PlatformContact.objects.create(platform=x_platform, name="T&S", role="Trust and Safety", email="ts@x.example")
    notice = notice_submit(x_platform)
    zara_client, sana_client = staff_client(zara), staff_client(sana)
    respond = reverse("admin:notices_advancenotice_respond", args=[notice.pk])
    approve = reverse("admin:notices_advancenotice_approve", args=[notice.pk])

    assert zara_client.get(respond).status_code == 405
    zara_client.post(respond, {"response": "OBJECTION", "reasons": "Political speech.", "rule": "PECA s.37(1)"})
    notice.refresh_from_db()
    assert notice.status == "AWAITING_APPROVAL"
    assert 'id="advance-approve"' not in zara_client.get(_page(notice)).content.decode()
    assert zara_client.post(approve, {"digest": notice.response_digest()}).status_code == 403

    page = sana_client.get(_page(notice)).content.decode()
    assert 'id="advance-approve"' in page and notice.response_digest() in page
    sana_client.post(approve, {"digest": notice.response_digest()})
    notice.refresh_from_db()
    assert (notice.status, notice.approved_by) == ("RESPONDED", sana)
    assert set(Notice.objects.values_list("channel", flat=True)) == {"WEBHOOK", "EMAIL"}


def test_the_notice_timeline_reads_in_plain_words(staff_client, zara, sana, x_platform):
    PlatformContact.objects.create(platform=x_platform, name="T&S", role="Trust and Safety", email="ts@x.example")
    complaint_create(account_handle="KashmirVoice")
    notice = notice_submit(x_platform)
    staff_client(zara).post(
        reverse("admin:notices_advancenotice_respond", args=[notice.pk]),
        {"response": "OBJECTION", "reasons": "Political speech.", "rule": "PECA s.37(1)"},
    )
    notice.refresh_from_db()
    staff_client(sana).post(
        reverse("admin:notices_advancenotice_approve", args=[notice.pk]), {"digest": notice.response_digest()}
    )
    staff_client(zara).post(
        reverse("admin:notices_advancenotice_final_action", args=[notice.pk]),
        {"action": "WITHDRAWN", "date": timezone.localdate().isoformat()},
    )
    html = staff_client(sana).get(_page(notice)).content.decode()
    timeline = html[html.index('<ol class="timeline">') : html.index("</ol>", html.index('<ol class="timeline">'))]
    for sentence in (
        "Notice received (",
        "Linked to 1 case and 1 complaint about the account.",
        "drafted the answer: objection.",
        "sent the objection to a supervisor for approval.",
        "approved the objection.",
        "The answer went to the platform: objection.",
        "recorded the platform&#x27;s final action: withdrawn on ",
    ):
        assert sentence in timeline, (sentence, timeline)
    assert "Political speech." in timeline  # the reasons, quoted as written
    # No code and no raw data: every kind and value reads as words.
    for raw in ("OBJECTION", "RESPONSE_DRAFTED", "AWAITING_APPROVAL", "WITHDRAWN", "{", "&#x27;new&#x27;", "_"):
        assert raw not in timeline, (raw, timeline)


def test_approving_a_stale_page_is_refused_with_a_message(staff_client, zara, sana, x_platform):
    notice = notice_submit(x_platform)
    respond = reverse("admin:notices_advancenotice_respond", args=[notice.pk])
    staff_client(zara).post(respond, {"response": "OBJECTION", "reasons": "First.", "rule": ""})
    notice.refresh_from_db()
    seen = notice.response_digest()
    staff_client(zara).post(respond, {"response": "OBJECTION", "reasons": "Second.", "rule": ""})
    response = staff_client(sana).post(
        reverse("admin:notices_advancenotice_approve", args=[notice.pk]), {"digest": seen}, follow=True
    )
    assert "changed after you opened it" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == "AWAITING_APPROVAL"


def test_final_action_button_records_what_the_platform_did(staff_client, zara, x_platform):
    notice = notice_submit(x_platform)
    url = reverse("admin:notices_advancenotice_final_action", args=[notice.pk])
    bad = staff_client(zara).post(url, {"action": "VANISHED", "date": "2026-12-01"}, follow=True)
    assert "action" in bad.content.decode()
    staff_client(zara).post(url, {"action": "WITHDRAWN", "date": "2026-12-01", "note": "X withdrew."})
    notice.refresh_from_db()
    assert (notice.final_action, notice.final_action_note) == ("WITHDRAWN", "X withdrew.")


def test_caseworker_sees_but_cannot_answer(staff_client, ayesha, x_platform):
    notice = notice_submit(x_platform)
    client = staff_client(ayesha)
    html = client.get(_page(notice)).content.decode()
    assert notice.reference in html and 'id="advance-respond"' not in html
    respond = reverse("admin:notices_advancenotice_respond", args=[notice.pk])
    assert client.post(respond, {"response": "NO_OBJECTION"}).status_code == 403


def test_case_page_shows_the_advance_notice_about_its_account(staff_client, ayesha, x_platform):
    notice = notice_submit(x_platform)
    complaint = complaint_create(account_handle="KashmirVoice")
    html = staff_client(ayesha).get(reverse("admin:complaints_case_change", args=[complaint.case.pk])).content.decode()
    assert "advance notices about this account" in html.lower()
    assert _page(notice) in html


def test_list_filters_and_highlights_overdue_with_a_fixed_number_of_queries(staff_client, sana, x_platform):
    soon = notice_submit(x_platform, emergency=True)
    later = notice_submit(x_platform, decision_account="TERMINATED")
    AdvanceNotice.objects.filter(pk=later.pk).update(response_due_at=timezone.now() + timedelta(days=3))
    late = notice_submit(x_platform, puid="2", account_handle="late")
    AdvanceNotice.objects.filter(pk=late.pk).update(response_due_at=timezone.now() - timedelta(minutes=5))
    client = staff_client(sana)
    url = reverse("admin:notices_advancenotice_changelist")
    html = client.get(url, {"deadline": "24h"}).content.decode()
    assert soon.reference in html and later.reference not in html and late.reference not in html
    html = client.get(url, {"deadline": "overdue"}).content.decode()
    assert late.reference in html and soon.reference not in html
    assert 'class="overdue"' in html

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(10):
        notice_submit(x_platform, puid=f"more-{n}", account_handle=f"more{n}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_supervisor_landing_page_lists_notices_due_in_24_hours(staff_client, sana, zara, x_platform):
    soon = notice_submit(x_platform, emergency=True)
    later = notice_submit(x_platform, decision_account="TERMINATED")
    AdvanceNotice.objects.filter(pk=later.pk).update(response_due_at=timezone.now() + timedelta(days=3))
    html = staff_client(sana).get(reverse("admin:index")).content.decode()
    assert 'id="advance-notices-due"' in html
    assert soon.reference in html and later.reference not in html
    assert 'id="advance-notices-due"' not in staff_client(zara).get(reverse("admin:index")).content.decode()


def test_webhook_secret_is_write_only_and_only_supervisors_register_webhooks(staff_client, sana, zara, x_platform):
    add = reverse("admin:notices_platformwebhook_add")
    assert staff_client(zara).get(add).status_code == 403
    client = staff_client(sana)
    refused = client.post(
        add, {"platform": x_platform.pk, "url": "http://hooks.x.example/pta", "secret": WEBHOOK_SECRET}
    )
    assert refused.status_code == 200 and not PlatformWebhook.objects.exists()
    client.post(
        add,
        {"platform": x_platform.pk, "url": "https://hooks.x.example/pta", "secret": WEBHOOK_SECRET, "is_active": "on"},
    )
    hook = PlatformWebhook.objects.get()
    page = client.get(reverse("admin:notices_platformwebhook_change", args=[hook.pk])).content.decode()
    assert WEBHOOK_SECRET not in page and hook.secret not in page
    client.post(
        reverse("admin:notices_platformwebhook_change", args=[hook.pk]),
        {"platform": x_platform.pk, "url": "https://hooks.x.example/v2", "secret": "", "is_active": "on"},
    )
    hook.refresh_from_db()
    assert (hook.url, hook.secret) == ("https://hooks.x.example/v2", WEBHOOK_SECRET)


def test_the_emailed_notice_form_offers_every_field_a_platform_may_send():
    from notices.admin.advance import EmailedNoticeForm
    from notices.services.advance import SUBMIT_FIELDS

    assert set(EmailedNoticeForm.base_fields) - {"platform"} == SUBMIT_FIELDS
