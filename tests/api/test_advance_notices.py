"""Advance notices over the API: single and batch submissions, duplicates, reading our answer, final actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from api.models import IdempotencyRecord
from notices.models import AdvanceNotice, AdvanceNoticeEvent

from ..advance.conftest import notice_data
from .conftest import post

pytestmark = pytest.mark.django_db
URL = "/api/v1/advance-notices/"


def notice_body(**overrides: Any) -> dict[str, Any]:
    """The notices tests' sample (X intends to suspend @KashmirVoice in three days) as JSON for the API."""
    data = notice_data()
    # The regulator's clock sets the received time; the content itself is not asked of platforms.
    del data["received_at"], data["content_text"]
    data["proposed_effective_date"] = data["proposed_effective_date"].isoformat()
    return {**data, "end_date": None, "authority_request": False, "legal_ground": "", **overrides}


def test_x_submits_one_notice_and_reads_it_back_with_its_deadline(x_api, x_platform):
    response = post(x_api, URL, notice_body())
    assert response.status_code == 201, response.json()
    notice = AdvanceNotice.objects.get()
    body = response.json()
    assert body["id"] == notice.pk and body["reference"] == notice.reference
    assert notice.platform == x_platform and notice.source == AdvanceNotice.Source.API
    assert body["status"] == "RECEIVED" and body["our_response"] is None and body["response_due_at"]
    assert AdvanceNoticeEvent.objects.filter(notice=notice, kind=AdvanceNoticeEvent.Kind.RECEIVED).exists()
    assert x_api.get(f"{URL}{notice.pk}/").json() == body
    assert [n["id"] for n in x_api.get(URL).json()["results"]] == [notice.pk]


def test_facebook_cannot_see_or_act_on_x_notices(x_api, facebook_api):
    notice_id = post(x_api, URL, notice_body()).json()["id"]
    assert facebook_api.get(f"{URL}{notice_id}/").status_code == 404
    assert facebook_api.get(URL).json()["count"] == 0
    response = post(
        facebook_api, f"{URL}{notice_id}/final-action/", {"action": "WITHDRAWN", "date": "2026-12-01"}, key="fb-1"
    )
    assert response.status_code == 404
    assert AdvanceNotice.objects.get().final_action == ""


def test_the_same_account_and_decision_twice_is_a_422_naming_the_existing_notice(x_api):
    first = post(x_api, URL, notice_body(), key="a").json()
    response = post(x_api, URL, notice_body(platform_reference="resent"), key="b")
    assert response.status_code == 422
    assert response.json()["code"] == "duplicate" and response.json()["existing_id"] == first["id"]
    assert AdvanceNotice.objects.count() == 1
    # Another proposed decision about the same account is a new notice.
    other = post(x_api, URL, notice_body(decision_account="TERMINATED"), key="c")
    assert other.status_code == 201


def test_a_batch_of_100_is_accepted_and_101_is_refused(x_api):
    batch = [notice_body(puid=f"puid-{i}", account_handle=f"voice_{i}") for i in range(101)]
    refused = post(x_api, URL, batch, key="big")
    assert refused.status_code == 422 and refused.json()["code"] == "batch_too_large"
    assert AdvanceNotice.objects.count() == 0
    accepted = post(x_api, URL, batch[:100], key="ok")
    assert accepted.status_code == 201, accepted.json()
    assert len(accepted.json()) == 100 and AdvanceNotice.objects.count() == 100


def test_a_batch_is_all_or_nothing_and_says_which_item_failed(x_api):
    existing = post(x_api, URL, notice_body(puid="taken"), key="first").json()["id"]
    batch = [notice_body(puid="new-1"), notice_body(puid="taken"), notice_body(puid="new-2")]
    response = post(x_api, URL, batch, key="batch")
    assert response.status_code == 422
    assert response.json() | {"detail": ""} == {"code": "duplicate", "detail": "", "existing_id": existing, "index": 1}
    invalid = post(x_api, URL, [notice_body(puid="new-3"), notice_body(puid="new-4", decision_ground="RUDE")], key="b2")
    assert invalid.status_code == 422 and list(invalid.json()["errors"]) == ["1"]
    assert "decision_ground" in invalid.json()["errors"]["1"]
    repeated = post(x_api, URL, [notice_body(puid="twice"), notice_body(puid="twice")], key="b3")
    assert repeated.status_code == 422 and "puid" in repeated.json()["errors"]["1"]
    assert list(AdvanceNotice.objects.values_list("puid", flat=True)) == ["taken"]
    assert IdempotencyRecord.objects.count() == 1  # refusals keep no answer: the keys can be used again


def test_the_services_rules_come_back_as_field_errors(x_api):
    response = post(x_api, URL, notice_body(decision_ground="ILLEGAL_CONTENT", legal_ground=""))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid" and "legal_ground" in response.json()["errors"]
    past = post(x_api, URL, notice_body(proposed_effective_date="2020-01-01T00:00:00+05:00"), key="k2")
    assert past.status_code == 422 and "proposed_effective_date" in past.json()["errors"]


def test_the_platform_reports_what_it_finally_did(x_api):
    notice_id = post(x_api, URL, notice_body()).json()["id"]
    url = f"{URL}{notice_id}/final-action/"
    response = post(x_api, url, {"action": "WITHDRAWN", "date": "2026-12-02", "note": "Reviewed again."}, key="fa")
    assert response.status_code == 200, response.json()
    assert response.json()["final_action"] == "WITHDRAWN"
    notice = AdvanceNotice.objects.get()
    assert (notice.final_action, notice.final_action_date.isoformat()) == ("WITHDRAWN", "2026-12-02")
    event = AdvanceNoticeEvent.objects.get(notice=notice, kind=AdvanceNoticeEvent.Kind.FINAL_ACTION)
    assert event.actor is None
    again = post(x_api, url, {"action": "PROCEEDED", "date": "2026-12-03"}, key="fa2")
    assert again.status_code == 422 and again.json()["code"] == "refused"
    bad = post(x_api, url, {"action": "IGNORED", "date": "tomorrow"}, key="fa3")
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"action", "date"}


def test_our_answer_is_shown_only_once_it_went_out(x_api, x_platform):
    notice_id = post(x_api, URL, notice_body()).json()["id"]
    AdvanceNotice.objects.filter(pk=notice_id).update(
        status=AdvanceNotice.Status.AWAITING_APPROVAL, response="OBJECTION", response_reasons="Draft reasons"
    )
    assert x_api.get(f"{URL}{notice_id}/").json()["our_response"] is None
    AdvanceNotice.objects.filter(pk=notice_id).update(
        status=AdvanceNotice.Status.RESPONDED, responded_at=timezone.now()
    )
    answer = x_api.get(f"{URL}{notice_id}/").json()["our_response"]
    assert answer["response"] == "OBJECTION" and answer["reasons"] == "Draft reasons"
