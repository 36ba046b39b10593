"""Registering a platform's advance notice: validation, deadline, duplicates, linking and assignment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from notices.models import AdvanceNotice, AdvanceNoticeDuplicate, AdvanceNoticeEvent
from notices.services import advance_notice_submit
from tests.factories import complaint_create

from .conftest import notice_data, notice_submit

pytestmark = pytest.mark.django_db


def test_submitted_notice_is_normalised_and_due_in_48_hours(x_platform):
    notice = notice_submit(x_platform, account_handle="https://x.com/KashmirVoice")
    assert notice.account_handle_normalized == "kashmirvoice"
    assert notice.reference.startswith("PTA-AN-") or "-AN-" in notice.reference
    assert notice.status == AdvanceNotice.Status.RECEIVED
    assert notice.response_due_at == notice.received_at + timedelta(hours=48)
    event = AdvanceNoticeEvent.objects.get(notice=notice, kind="RECEIVED")
    assert event.data["new"]["status"] == "RECEIVED"


def test_emergency_notice_is_due_in_12_hours(x_platform):
    notice = notice_submit(x_platform, emergency=True)
    assert notice.response_due_at == notice.received_at + timedelta(hours=12)


def test_per_platform_hours_come_from_the_setting(x_platform, facebook_platform, settings):
    settings.ADVANCE_NOTICE_RESPONSE_HOURS = {"default": 48, "x": 24}
    assert notice_submit(x_platform).response_due_at - timedelta(hours=24) == AdvanceNotice.objects.get().received_at
    other = notice_submit(facebook_platform)
    assert other.response_due_at == other.received_at + timedelta(hours=48)


def test_deadline_is_never_after_the_proposed_effective_date(x_platform):
    notice = notice_submit(x_platform, proposed_effective_date=notice_data()["received_at"] + timedelta(hours=20))
    assert notice.response_due_at == notice.proposed_effective_date


def test_same_decision_about_same_account_is_refused_with_the_existing_id(x_platform):
    first = notice_submit(x_platform)
    with pytest.raises(AdvanceNoticeDuplicate) as refused:
        notice_submit(x_platform, account_handle="kashmirvoice", platform_reference="another")
    assert refused.value.existing_id == first.pk
    assert AdvanceNotice.objects.count() == 1


def test_visibility_decisions_in_another_order_are_the_same_decision(x_platform):
    first = notice_submit(x_platform, decision_account="", decision_visibility=["CONTENT_REMOVED", "CONTENT_DEMOTED"])
    with pytest.raises(AdvanceNoticeDuplicate) as refused:
        notice_submit(x_platform, decision_account="", decision_visibility=["CONTENT_DEMOTED", "CONTENT_REMOVED"])
    assert refused.value.existing_id == first.pk


def test_a_different_decision_or_a_settled_one_is_a_new_notice(x_platform):
    first = notice_submit(x_platform)
    notice_submit(x_platform, decision_account="TERMINATED")
    first.final_action = AdvanceNotice.FinalAction.WITHDRAWN
    first.save(update_fields=["final_action"])
    assert notice_submit(x_platform).pk != first.pk


def test_the_database_refuses_a_duplicate_that_skipped_the_check(x_platform):
    first = notice_submit(x_platform)
    twin = AdvanceNotice.objects.get(pk=first.pk)
    twin.pk, twin.reference = None, "PTA-AN-TWIN"
    with pytest.raises(IntegrityError):
        twin.save()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"decision_account": "", "decision_visibility": []}, "decision_account"),
        ({"decision_visibility": ["SHADOWBANNED"]}, "decision_visibility"),
        ({"territorial_scope": ["Pakistan"]}, "territorial_scope"),
        ({"decision_ground": "ILLEGAL_CONTENT", "legal_ground": ""}, "legal_ground"),
        ({"tos_ground": ""}, "tos_ground"),
        ({"content_urls": ["javascript:alert(1)"]}, "content_urls"),
        ({"authority_request": True, "authority_name": ""}, "authority_name"),
        ({"proposed_effective_date": "yesterday"}, "proposed_effective_date"),
        ({"proposed_effective_date": "2026-12-01T09:00:00"}, "proposed_effective_date"),
        ({"account_handle": "not a handle!"}, "account_handle"),
        ({"account_handle": "https://facebook.com/KashmirVoice"}, "account_handle"),
        ({"puid": ""}, "puid"),
        ({"status": "RESPONDED"}, "status"),
        ({"response_due_at": "2030-01-01T00:00:00+00:00"}, "response_due_at"),
    ],
)
def test_bad_notice_gets_a_message_on_the_field(x_platform, overrides, field):
    with pytest.raises(ValidationError) as refused:
        notice_submit(x_platform, **overrides)
    assert field in refused.value.message_dict
    assert not AdvanceNotice.objects.exists()


def test_effective_date_before_the_notice_is_refused(x_platform):
    data = notice_data()
    with pytest.raises(ValidationError) as refused:
        notice_submit(x_platform, proposed_effective_date=data["received_at"] - timedelta(minutes=1))
    assert "proposed_effective_date" in refused.value.message_dict


# The platform row is the same for every example; nothing else is shared.
@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    handle=st.text(max_size=60),
    visibility=st.lists(st.text(max_size=30), max_size=4),
    scope=st.lists(st.text(max_size=4), max_size=3),
    urls=st.lists(st.text(max_size=40), max_size=3),
)
def test_any_input_is_accepted_or_refused_with_a_message(x_platform, handle, visibility, scope, urls):
    try:
        notice = notice_submit(
            x_platform,
            account_handle=handle,
            decision_visibility=visibility,
            territorial_scope=scope,
            content_urls=urls,
            puid=f"p{abs(hash((handle, tuple(visibility))))}",
        )
    except (ValidationError, AdvanceNoticeDuplicate):
        return
    assert notice.pk is not None


def test_an_officer_without_the_permission_cannot_enter_a_notice(x_platform, omar):
    with pytest.raises(PermissionDenied):
        advance_notice_submit(platform=x_platform, data=notice_data(), source="EMAIL", actor=omar)


def test_an_emailed_notice_entered_by_zara_records_her(x_platform, zara):
    notice = advance_notice_submit(platform=x_platform, data=notice_data(), source="EMAIL", actor=zara)
    assert notice.source == "EMAIL"
    assert AdvanceNoticeEvent.objects.get(notice=notice, kind="RECEIVED").actor == zara


def test_notice_is_linked_to_past_and_present_cases_and_complaints_about_the_account(x_platform, ayesha):
    earlier = complaint_create(account_handle="KashmirVoice")
    by_id = complaint_create(account_handle="kv_renamed", platform_account_id="1456789012345678901")
    unrelated = complaint_create(account_handle="SomeoneElse")
    notice = notice_submit(x_platform)
    assert set(notice.complaints.all()) == {earlier, by_id}
    assert set(notice.cases.all()) == {earlier.case, by_id.case}
    assert unrelated not in notice.complaints.all()
    linked = AdvanceNoticeEvent.objects.get(notice=notice, kind="LINKED")
    assert sorted(linked.data["new"]["complaints"]) == sorted([earlier.pk, by_id.pk])


def test_a_later_complaint_about_the_account_is_linked_to_the_notice(x_platform, ayesha):
    notice = notice_submit(x_platform)
    assert not notice.complaints.exists()
    later = complaint_create(account_handle="@kashmirvoice")
    assert list(later.advance_notices.all()) == [notice]
    assert list(later.case.advance_notices.all()) == [notice]
    assert AdvanceNoticeEvent.objects.filter(notice=notice, kind="LINKED").count() == 1


def test_notice_goes_to_the_least_loaded_correspondence_officer(x_platform, zara, sana, ayesha):
    from tests.conftest import _staff

    yusuf = _staff("yusuf", "Correspondence officer", first_name="Yusuf")
    first = notice_submit(x_platform)
    second = notice_submit(x_platform, decision_account="TERMINATED")
    third = notice_submit(x_platform, puid="999", account_handle="other")
    assignees = [first.assigned_to, second.assigned_to, third.assigned_to]
    assert set(assignees[:2]) == {zara, yusuf}
    assert assignees[2] == assignees[0]  # a tie again: the least recently assigned
    assert AdvanceNoticeEvent.objects.get(notice=first, kind="ASSIGNED").data["new"] == first.assigned_to.pk
