"""Letters read by the platform (annex as consent allows, each read logged) and replies posted through the API."""

from __future__ import annotations

import pytest

from complaints.models import Case, CaseEvent, PiiAccessLog
from notices.models import Letter, Notice, Reply, ReplyCaseOutcome
from tests.factories import complaint_create

from .conftest import cases_in_review, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_consent_letter(send_letter):
    """One case with two complainants: Farah consented to sharing her details, Imran did not."""
    farah = complaint_create(
        account_handle="KashmirVoice",
        full_name="Farah Qureshi",
        email="farah@example.pk",
        account_url="https://x.com/KashmirVoice",
        platform_account_id="1234567890",
        consent_share_with_platform=True,
    )
    imran = complaint_create(
        account_handle="KashmirVoice",
        full_name="Imran Baig",
        email="imran@example.pk",
        consent_share_with_platform=False,
    )
    assert farah.case_id == imran.case_id
    Case.objects.filter(pk=farah.case_id).update(status=Case.Status.IN_REVIEW)
    return send_letter([Case.objects.get(pk=farah.case_id)]), farah, imran


def test_the_annex_names_only_consenting_complainants_with_name_and_account_details(x_api, mixed_consent_letter):
    letter, farah, imran = mixed_consent_letter
    body = x_api.get(f"/api/v1/letters/{letter.pk}/").json()
    [row] = body["annex"]
    assert row["case_reference"] == farah.case.reference and row["complaint_count"] == 2
    assert row["complainants"] == [
        {
            "full_name": "Farah Qureshi",
            "account_handle": "KashmirVoice",
            "account_url": "https://x.com/KashmirVoice",
            "platform_account_id": "1234567890",
        }
    ]
    text = str(body)
    for secret in ("Imran", imran.cnic, farah.cnic, farah.mobile, imran.mobile, "farah@example.pk", farah.narrative):
        assert secret not in text


def test_each_read_of_a_letter_is_logged_as_an_export_by_the_platform_user(x_api, mixed_consent_letter):
    letter, farah, _imran = mixed_consent_letter
    x_api.get("/api/v1/letters/")
    x_api.get(f"/api/v1/letters/{letter.pk}/")
    exports = PiiAccessLog.objects.filter(action=PiiAccessLog.Action.EXPORT)
    assert list(exports.values_list("complaint", flat=True)) == [farah.pk, farah.pk]
    assert {e.user.username for e in exports} == {"platform-api.x"}
    assert {e.detail["export"] for e in exports} == {f"API {letter.our_reference}"}
    actor = exports.first().user
    assert not actor.is_staff and not actor.has_usable_password()


def test_cases_show_their_status_and_no_complainant_data(x_api, mixed_consent_letter):
    letter, farah, _ = mixed_consent_letter
    [row] = x_api.get("/api/v1/cases/").json()["results"]
    assert set(row) == {
        "reference",
        "account_handle",
        "status",
        "sent_to_platform_at",
        "response_due_at",
        "platform_responded_at",
        "outcome",
    }
    assert row["status"] == Case.Status.AWAITING_PLATFORM and row["sent_to_platform_at"]


def test_a_reply_through_the_api_moves_the_cases_as_the_admin_form_does(x_api, send_letter, x_platform):
    restored, reviewed, untouched = cases_in_review("x", ["voice_1", "voice_2", "voice_3"])
    letter = send_letter([restored, reviewed, untouched])
    response = post(
        x_api,
        f"/api/v1/letters/{letter.pk}/replies/",
        {
            "kind": "DECISION",
            "platform_ticket_ref": "X-555",
            "text": "One account restored; one under review.",
            "outcomes": [
                {"case": restored.reference, "action_taken": "YES", "outcome": "REINSTATED"},
                {"case": reviewed.reference, "action_taken": "UNSPECIFIED"},
            ],
        },
    )
    assert response.status_code == 201, response.json()
    reply = Reply.objects.get()
    assert response.json()["id"] == reply.pk and reply.recorded_by.username == "platform-api.x"
    assert reply.is_timely and reply.kind == "DECISION"
    statuses = {c.reference: c.status for c in Case.objects.all()}
    assert statuses == {
        restored.reference: Case.Status.CLOSED,
        reviewed.reference: Case.Status.PLATFORM_RESPONDED,
        untouched.reference: Case.Status.AWAITING_PLATFORM,
    }
    letter.refresh_from_db()
    assert letter.status == Letter.Status.REPLIED and letter.platform_ticket_ref == "X-555"
    assert ReplyCaseOutcome.objects.filter(reply=reply).count() == 2
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.REPLY).count() == 2
    assert Notice.objects.filter(kind="closed", complaint__case=restored).count() == 1
    assert [o["case_status"] for o in response.json()["outcomes"]] == ["CLOSED", "PLATFORM_RESPONDED"]


def test_an_acknowledgement_moves_no_case(x_api, send_letter):
    cases = cases_in_review("x", ["voice_ack"])
    letter = send_letter(cases)
    response = post(x_api, f"/api/v1/letters/{letter.pk}/replies/", {"kind": "ACKNOWLEDGEMENT", "text": "Received."})
    assert response.status_code == 201
    assert Case.objects.get().status == Case.Status.AWAITING_PLATFORM


@pytest.mark.parametrize(
    ("outcomes", "detail"),
    [
        ([{"case": "PTA-2026-999999"}], "Not cases of this letter"),
        ([{"case": "{ref}", "outcome": "NOT_AN_OUTCOME"}], None),
        ([{"case": "{ref}"}, {"case": "{ref}"}], None),
    ],
)
def test_a_reply_naming_a_foreign_case_or_a_bad_outcome_is_refused_and_changes_nothing(
    x_api, send_letter, outcomes, detail
):
    [case] = cases_in_review("x", ["voice_bad"])
    letter = send_letter([case])
    outcomes = [{k: v.replace("{ref}", case.reference) for k, v in o.items()} for o in outcomes]
    response = post(
        x_api, f"/api/v1/letters/{letter.pk}/replies/", {"kind": "DECISION", "text": "x", "outcomes": outcomes}
    )
    assert response.status_code == 422
    if detail:
        assert response.json()["code"] == "reply_refused" and detail in response.json()["detail"]
    else:
        assert response.json()["code"] == "invalid" and "outcomes" in response.json()["errors"]
    assert Reply.objects.count() == 0 and Case.objects.get().status == Case.Status.AWAITING_PLATFORM
