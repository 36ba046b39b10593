"""Who the API lets in, and what each platform can see: only its own letters and cases."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from api.models import ApiRequestLog, PlatformToken
from api.services import platform_token_revoke

from .conftest import cases_in_review, client_for

pytestmark = pytest.mark.django_db


def test_each_platform_sees_only_its_own_letters_and_cases_and_another_ones_id_is_404(x_api, facebook_api, send_letter):
    x_letter = send_letter(cases_in_review("x", ["kashmir_voice"]))
    fb_letter = send_letter(cases_in_review("facebook", ["lahore.news"]))
    [x_case] = x_letter.cases.all()
    [fb_case] = fb_letter.cases.all()

    x_letters = x_api.get("/api/v1/letters/").json()
    assert [row["our_reference"] for row in x_letters["results"]] == [x_letter.our_reference]
    assert [row["reference"] for row in x_api.get("/api/v1/cases/").json()["results"]] == [x_case.reference]
    assert [row["reference"] for row in facebook_api.get("/api/v1/cases/").json()["results"]] == [fb_case.reference]

    for url in (
        f"/api/v1/letters/{fb_letter.pk}/",
        f"/api/v1/cases/{fb_case.reference}/",
    ):
        response = x_api.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    reply = x_api.post(
        f"/api/v1/letters/{fb_letter.pk}/replies/",
        {"kind": "ACKNOWLEDGEMENT", "text": "Received."},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert reply.status_code == 404
    assert facebook_api.get(f"/api/v1/letters/{fb_letter.pk}/").status_code == 200


def test_a_draft_letter_and_its_cases_are_not_visible_to_the_platform(x_api, zara):
    from notices.services import letter_draft_for_cases

    cases = cases_in_review("x", ["not_yet_sent"])
    letter_draft_for_cases(cases=cases, actor=zara)
    assert x_api.get("/api/v1/letters/").json()["count"] == 0
    assert x_api.get("/api/v1/cases/").json()["count"] == 0


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "not_authenticated"),
        ("Bearer", "authentication_failed"),
        ("Basic c2FuYTpwYXNzd29yZA==", "authentication_failed"),
        ("Bearer rpk_not-a-real-token", "authentication_failed"),
        ("Bearer a b", "authentication_failed"),
    ],
)
def test_a_missing_malformed_or_unknown_token_is_a_401_in_json(client, x_token, authorization, code):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get("/api/v1/cases/", **headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_at_once(x_api, x_token, sana):
    assert x_api.get("/api/v1/cases/").status_code == 200
    token = PlatformToken.objects.get()
    assert platform_token_revoke(token=token, actor=sana)
    response = x_api.get("/api/v1/cases/")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_the_management_command_prints_a_working_token_alone_on_its_last_line(x_platform):
    out = io.StringIO()
    call_command("platform_token_issue", "x", "--name", "staging", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    stored = PlatformToken.objects.get()
    assert stored.name == "staging" and stored.platform == x_platform
    assert token not in {stored.token_hash, stored.prefix} and token.startswith(stored.prefix)
    assert client_for(token).get("/api/v1/cases/").status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_the_command_refuses_an_unknown_platform(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no platform"):
        call_command("platform_token_issue", "myspace", stdout=io.StringIO())


def test_every_request_is_logged_with_platform_endpoint_status_and_duration_but_no_body(x_api, x_platform, client):
    x_api.get("/api/v1/cases/")
    x_api.post(
        "/api/v1/letters/999/replies/", {"text": "Ayesha Khan 35202-1234567-1"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    client.get("/api/v1/cases/")
    rows = list(ApiRequestLog.objects.order_by("id").values("platform", "method", "endpoint", "status_code"))
    assert rows == [
        {"platform": x_platform.pk, "method": "GET", "endpoint": "/api/v1/cases/", "status_code": 200},
        {
            "platform": x_platform.pk,
            "method": "POST",
            "endpoint": "/api/v1/letters/<int:pk>/replies/",
            "status_code": 404,
        },
        {"platform": None, "method": "GET", "endpoint": "/api/v1/cases/", "status_code": 401},
    ]
    assert all(row.duration_ms >= 0 for row in ApiRequestLog.objects.all())


def test_a_supervisor_issues_a_token_in_the_admin_and_sees_it_once(sana, ayesha, x_platform, staff_client):
    response = staff_client(sana).post("/admin/api/platformtoken/add/", {"platform": x_platform.pk, "name": "prod"})
    assert response.status_code == 200
    token = PlatformToken.objects.get()
    plaintext = response.context["plaintext"]
    assert plaintext.startswith(token.prefix) and plaintext in response.content.decode()
    assert "no-store" in response["Cache-Control"] and token.created_by == sana
    assert client_for(plaintext).get("/api/v1/cases/").status_code == 200
    # Never again: the change page shows the prefix only.
    assert plaintext not in staff_client(sana).get(f"/admin/api/platformtoken/{token.pk}/change/").content.decode()
    # Caseworkers neither issue tokens nor read the request log.
    assert staff_client(ayesha).get("/admin/api/platformtoken/add/").status_code == 403
    assert staff_client(ayesha).get("/admin/api/apirequestlog/").status_code == 403
    assert staff_client(sana).get("/admin/api/apirequestlog/").status_code == 200


def test_a_supervisor_revokes_tokens_from_the_admin(sana, x_api, staff_client):
    token = PlatformToken.objects.get()
    staff_client(sana).post("/admin/api/platformtoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == sana
    assert x_api.get("/api/v1/cases/").status_code == 401


def test_old_idempotent_answers_and_request_log_rows_are_purged_after_their_retention(x_api, settings):
    from datetime import timedelta

    from django.utils import timezone

    from api.models import IdempotencyRecord
    from api.tasks import api_records_purge_task

    settings.API_IDEMPOTENCY_RETENTION_DAYS = 30
    settings.API_REQUEST_LOG_RETENTION_DAYS = 365
    x_api.get("/api/v1/cases/")
    x_api.get("/api/v1/cases/")
    platform = PlatformToken.objects.get().platform
    old, recent = (
        IdempotencyRecord.objects.create(platform=platform, key=k, request_hash="h", status_code=201, response_body={})
        for k in ("old", "recent")
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    ApiRequestLog.objects.filter(pk=ApiRequestLog.objects.first().pk).update(at=timezone.now() - timedelta(days=366))

    assert api_records_purge_task() == {"idempotency_records": 1, "request_log": 1}
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
    assert ApiRequestLog.objects.count() == 1
