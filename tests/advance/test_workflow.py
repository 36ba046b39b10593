"""The regulator's answer to an advance notice, the four eyes on an objection, the platform's final
action, and the deadline beat (warning, escalation, LAPSED) with an explicit ``now``."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from complaints.models import PlatformContact
from notices.models import (
    AdvanceNotice,
    AdvanceNoticeError,
    AdvanceNoticeEvent,
    InvalidTransition,
    Notice,
    PlatformWebhook,
)
from notices.services import (
    advance_notice_approve,
    advance_notice_final_action,
    advance_notice_lapse_overdue,
    advance_notice_respond,
    advance_notice_warn_due,
)

from .conftest import at, notice_submit

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-x-webhook-0123456789abcdef"


@pytest.fixture
def x_reachable(x_platform):
    """X's trust and safety contact and its registered webhook."""
    PlatformContact.objects.create(platform=x_platform, name="T&S", role="Trust and Safety", email="ts@x.example")
    return PlatformWebhook.objects.create(platform=x_platform, url="https://hooks.x.example/pta", secret=SECRET)


def _kinds(notice: AdvanceNotice) -> list[str]:
    return list(notice.events.values_list("kind", flat=True))


def test_no_objection_goes_out_at_once_by_webhook_and_email(x_reachable, zara):
    notice = notice_submit(x_reachable.platform)
    notice = advance_notice_respond(notice=notice, response="NO_OBJECTION", reasons="", rule="", actor=zara)
    assert notice.status == "RESPONDED"
    assert notice.decided_by_id == zara.pk
    webhook = Notice.objects.get(channel="WEBHOOK")
    assert webhook.address == "https://hooks.x.example/pta"
    body = json.loads(webhook.body)
    assert body["event"] == "advance_notice.response"
    assert body["data"]["response"] == "NO_OBJECTION"
    assert body["data"]["platform_reference"] == "X-TS-2026-0042"
    assert webhook.idempotency_key == body["delivery"]
    email = Notice.objects.get(channel="EMAIL", recipient_kind="PLATFORM_CONTACT")
    assert email.address == "ts@x.example"
    assert "No objection" in email.subject
    assert _kinds(notice)[-1] == "RESPONDED"


def test_objection_waits_for_a_supervisor_who_is_not_the_drafter(x_reachable, zara, sana):
    notice = notice_submit(x_reachable.platform)
    notice = advance_notice_respond(
        notice=notice, response="OBJECTION", reasons="Political speech, not violence.", rule="PECA s.37(1)", actor=zara
    )
    assert notice.status == "AWAITING_APPROVAL"
    assert not Notice.objects.filter(channel="WEBHOOK").exists()
    assert _kinds(notice)[-2:] == ["RESPONSE_DRAFTED", "SUBMITTED"]

    with pytest.raises(PermissionDenied):
        advance_notice_approve(notice=notice, actor=zara)
    # A supervisor who drafts cannot approve her own objection either.
    drafted_by_sana = advance_notice_respond(
        notice=notice, response="OBJECTION", reasons="Political speech.", rule="PECA s.37(1)", actor=sana
    )
    with pytest.raises(AdvanceNoticeError, match="someone other"):
        advance_notice_approve(notice=drafted_by_sana, actor=sana)
    assert not Notice.objects.filter(channel="WEBHOOK").exists()


def test_approved_objection_is_sent_and_records_who_decided(x_reachable, zara, sana):
    notice = notice_submit(x_reachable.platform)
    notice = advance_notice_respond(
        notice=notice, response="OBJECTION", reasons="Political speech.", rule="PECA s.37(1)", actor=zara
    )
    notice = advance_notice_approve(notice=notice, actor=sana, digest=notice.response_digest())
    assert notice.status == "RESPONDED"
    assert (notice.approved_by, notice.decided_by_id) == (sana, sana.pk)
    body = json.loads(Notice.objects.get(channel="WEBHOOK").body)
    assert body["data"]["response"] == "OBJECTION"
    assert body["data"]["rule"] == "PECA s.37(1)"
    approved = AdvanceNoticeEvent.objects.get(notice=notice, kind="APPROVED")
    assert approved.actor == sana
    # What was approved is frozen: no change after it went out.
    with pytest.raises(InvalidTransition):
        advance_notice_respond(notice=notice, response="NO_OBJECTION", reasons="", rule="", actor=zara)


def test_a_change_after_the_supervisor_opened_it_voids_her_approval(x_reachable, zara, sana):
    notice = notice_submit(x_reachable.platform)
    notice = advance_notice_respond(notice=notice, response="OBJECTION", reasons="First words.", rule="", actor=zara)
    seen = notice.response_digest()
    advance_notice_respond(notice=notice, response="OBJECTION", reasons="Other words.", rule="", actor=zara)
    with pytest.raises(AdvanceNoticeError, match="changed"):
        advance_notice_approve(notice=notice, actor=sana, digest=seen)
    notice.refresh_from_db()
    assert notice.status == "AWAITING_APPROVAL"
    assert notice.approved_by is None


def test_request_for_information_can_be_followed_by_a_decision(x_reachable, zara, sana):
    notice = notice_submit(x_reachable.platform)
    advance_notice_respond(
        notice=notice, response="REQUEST_INFORMATION", reasons="Send the posts in full.", rule="", actor=zara
    )
    notice = advance_notice_respond(notice=notice, response="NO_OBJECTION", reasons="", rule="", actor=zara)
    assert notice.status == "RESPONDED"
    keys = sorted(Notice.objects.filter(channel="WEBHOOK").values_list("idempotency_key", flat=True))
    assert keys == [f"webhook:advance:{notice.pk}:response:1", f"webhook:advance:{notice.pk}:response:2"]


def test_objection_and_information_requests_need_reasons(x_platform, zara):
    notice = notice_submit(x_platform)
    for response in ("OBJECTION", "REQUEST_INFORMATION"):
        with pytest.raises(ValidationError):
            advance_notice_respond(notice=notice, response=response, reasons="  ", rule="", actor=zara)
    with pytest.raises(ValidationError):
        advance_notice_respond(notice=notice, response="MAYBE", reasons="x", rule="", actor=zara)
    with pytest.raises(PermissionDenied):
        from tests.conftest import _staff

        advance_notice_respond(
            notice=notice,
            response="NO_OBJECTION",
            reasons="",
            rule="",
            actor=_staff("omar2", "Analyst", first_name="Omar"),
        )


def test_no_push_without_a_webhook_but_the_email_still_goes(x_platform, zara):
    PlatformContact.objects.create(platform=x_platform, name="T&S", role="Trust and Safety", email="ts@x.example")
    notice = notice_submit(x_platform)
    advance_notice_respond(notice=notice, response="NO_OBJECTION", reasons="", rule="", actor=zara)
    assert list(Notice.objects.values_list("channel", flat=True)) == ["EMAIL"]


@pytest.mark.parametrize(
    ("action", "respected"), [("WITHDRAWN", True), ("PROCEEDED", False), ("MODIFIED", False), ("POSTPONED", None)]
)
def test_final_action_says_whether_the_objection_was_respected(x_reachable, zara, sana, action, respected):
    notice = notice_submit(x_reachable.platform)
    advance_notice_respond(notice=notice, response="OBJECTION", reasons="No.", rule="", actor=zara)
    advance_notice_approve(notice=notice, actor=sana)
    notice = advance_notice_final_action(
        notice=notice, action=action, date=date(2026, 12, 5), note="As reported by X.", actor=None
    )
    assert notice.objection_respected is respected
    event = AdvanceNoticeEvent.objects.get(notice=notice, kind="FINAL_ACTION")
    assert event.data["new"] == {"action": action, "date": "2026-12-05", "note": "As reported by X."}


def test_a_settled_final_action_cannot_be_changed_but_a_postponement_can(x_platform, zara):
    notice = notice_submit(x_platform)
    advance_notice_final_action(notice=notice, action="POSTPONED", date="2026-12-20", note="", actor=zara)
    advance_notice_final_action(notice=notice, action="PROCEEDED", date="2026-12-20", note="", actor=zara)
    with pytest.raises(AdvanceNoticeError):
        advance_notice_final_action(notice=notice, action="WITHDRAWN", date="2026-12-21", note="", actor=zara)
    assert AdvanceNoticeEvent.objects.filter(notice=notice, kind="FINAL_ACTION").count() == 2


def test_no_objection_has_no_respected_verdict(x_platform, zara):
    notice = notice_submit(x_platform)
    advance_notice_respond(notice=notice, response="NO_OBJECTION", reasons="", rule="", actor=zara)
    notice = advance_notice_final_action(notice=notice, action="PROCEEDED", date="2026-12-05", note="", actor=None)
    assert notice.objection_respected is None


# --- Deadlines ------------------------------------------------------------------------------------


def test_assignee_and_supervisors_are_warned_once_six_hours_before(x_platform, zara, sana):
    notice = notice_submit(x_platform)
    assert advance_notice_warn_due(now=at(notice, -7)) == 0
    assert advance_notice_warn_due(now=at(notice, -6)) == 1
    assert advance_notice_warn_due(now=at(notice, -5)) == 0
    warnings = Notice.objects.filter(kind="advance_warning")
    assert sorted(warnings.values_list("address", flat=True)) == ["sana@pta.example", "zara@pta.example"]
    assert notice.reference in warnings.first().subject
    assert AdvanceNoticeEvent.objects.filter(notice=notice, kind="WARNED").count() == 1


def test_unanswered_notice_lapses_at_its_deadline_and_is_escalated_once(x_platform, zara, sana):
    notice = notice_submit(x_platform)
    assert advance_notice_lapse_overdue(now=at(notice, -0.01)) == 0
    assert advance_notice_lapse_overdue(now=at(notice, 0)) == 1
    assert advance_notice_lapse_overdue(now=at(notice, 1)) == 0
    notice.refresh_from_db()
    assert notice.status == "LAPSED"
    assert notice.lapsed_at == at(notice, 0)
    assert _kinds(notice)[-2:] == ["LAPSED", "ESCALATED"]
    assert Notice.objects.filter(kind="advance_lapsed", address="sana@pta.example").count() == 1
    # A lapsed notice can no longer be answered.
    with pytest.raises(InvalidTransition):
        advance_notice_respond(notice=notice, response="NO_OBJECTION", reasons="", rule="", actor=zara)


def test_an_objection_still_awaiting_approval_lapses_too(x_platform, zara, sana):
    notice = notice_submit(x_platform)
    advance_notice_respond(notice=notice, response="OBJECTION", reasons="No.", rule="", actor=zara)
    advance_notice_lapse_overdue(now=at(notice, 0))
    notice.refresh_from_db()
    assert notice.status == "LAPSED"
    with pytest.raises(AdvanceNoticeError):
        advance_notice_approve(notice=notice, actor=sana)


def test_answered_or_withdrawn_notices_neither_warn_nor_lapse(x_platform, zara, sana):
    answered = notice_submit(x_platform)
    advance_notice_respond(notice=answered, response="NO_OBJECTION", reasons="", rule="", actor=zara)
    withdrawn = notice_submit(x_platform, decision_account="TERMINATED")
    advance_notice_final_action(notice=withdrawn, action="WITHDRAWN", date="2026-12-01", note="", actor=None)
    later = at(answered, 1) + timedelta(days=1)
    assert advance_notice_warn_due(now=at(answered, -1)) == 0
    assert advance_notice_lapse_overdue(now=later) == 0
    assert set(AdvanceNotice.objects.values_list("status", flat=True)) == {"RESPONDED", "RECEIVED"}


def test_a_sent_letter_is_pushed_to_the_webhook_without_its_annex(x_reachable, zara, sana):
    from complaints.models import Case
    from notices.services import letter_approve, letter_draft_for_cases, letter_send
    from tests.factories import complaint_create

    complaint = complaint_create(account_handle="KashmirVoice", full_name="Farah Qureshi")
    Case.objects.filter(pk=complaint.case_id).update(status=Case.Status.IN_REVIEW)
    [letter] = letter_draft_for_cases(cases=[complaint.case], actor=zara)
    letter_approve(letter=letter, actor=sana)
    letter_send(letter=letter, actor=zara)
    push = Notice.objects.get(channel="WEBHOOK", letter=letter)
    body = json.loads(push.body)
    assert body["event"] == "letter.sent"
    assert body["data"]["reference"] == letter.our_reference
    assert body["data"]["accounts"] == [{"case": complaint.case.reference, "account_handle": "KashmirVoice"}]
    assert "Farah" not in push.body and complaint.mobile not in push.body
    assert Notice.objects.filter(channel="EMAIL", letter=letter).exists()
