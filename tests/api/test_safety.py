"""Idempotent retries, the error format for bad input, the rate limit: what a platform's client can rely on."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from api.models import IdempotencyRecord
from notices.models import AdvanceNotice

from .conftest import post
from .test_advance_notices import URL, notice_body

pytestmark = pytest.mark.django_db


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_creates_nothing(x_api):
    body = notice_body()
    first = post(x_api, URL, body, key="retry-me")
    again = post(x_api, URL, body, key="retry-me")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert AdvanceNotice.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(x_api):
    post(x_api, URL, notice_body(), key="once")
    response = post(x_api, URL, notice_body(puid="another"), key="once")
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
    assert AdvanceNotice.objects.count() == 1


def test_keys_belong_to_one_platform(x_api, facebook_api):
    assert post(x_api, URL, notice_body(), key="shared").status_code == 201
    assert post(facebook_api, URL, notice_body(), key="shared").status_code == 201
    assert AdvanceNotice.objects.count() == 2


@pytest.mark.parametrize(("key", "code"), [(None, "idempotency_key_required"), ("x" * 256, "idempotency_key_invalid")])
def test_a_post_without_a_usable_idempotency_key_is_refused(x_api, key, code):
    response = post(x_api, URL, notice_body(), key=key)
    assert response.status_code == 400 and response.json()["code"] == code
    assert AdvanceNotice.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b'{"puid": ', "application/json", 400, "parse_error"),
        (b'{"puid": NaN}', "application/json", 400, "parse_error"),
        (b"\xff\xfe", "application/json", 400, "parse_error"),
        (b"[" * 100_000, "application/json", 400, "parse_error"),
        (b"puid=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"<notice/>", "application/xml", 415, "unsupported_media_type"),
        (b'"just a string"', "application/json", 422, "invalid"),
    ],
)
def test_bad_bodies_get_a_json_4xx_with_a_stable_code(x_api, body, content_type, status, code):
    response = x_api.post(URL, body, content_type=content_type, HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == code and response.json()["detail"]


def test_a_body_over_the_limit_is_a_413(x_api, settings):
    settings.API_MAX_BODY_BYTES = 2000
    response = post(x_api, URL, notice_body(explanation="x" * 3000))
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_wrong_types_and_unknown_fields_are_named(x_api):
    response = post(
        x_api,
        URL,
        notice_body(explanation=12, automated_detection="yes", decision_visibility="CONTENT_REMOVED", colour="red"),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) == {"colour"}
    # A lone surrogate is valid JSON but not text; json.dumps escapes it as JSON allows.
    body = json.dumps(notice_body(explanation=12, automated_detection="yes", puid="\ud800", decision_ground="\udfff"))
    response = x_api.post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k2")
    assert set(response.json()["errors"]) == {"explanation", "automated_detection", "puid", "decision_ground"}
    assert AdvanceNotice.objects.count() == 0


def test_an_unknown_path_is_a_json_404(x_api):
    response = x_api.get("/api/v1/complainants/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_each_token_is_rate_limited_with_retry_after(x_api, facebook_api, settings):
    settings.API_RATE_PER_TOKEN = "3/min"
    assert [x_api.get("/api/v1/cases/").status_code for _ in range(3)] == [200, 200, 200]
    limited = x_api.get("/api/v1/cases/")
    assert limited.status_code == 429 and limited.json()["code"] == "throttled"
    assert 0 < int(limited["Retry-After"]) <= 60
    assert facebook_api.get("/api/v1/cases/").status_code == 200  # another token has its own count


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=6),
            max_leaves=20,
        ).map(lambda v: json.dumps(v).encode()),
    )
)
def test_no_body_makes_the_submission_endpoint_fail_with_a_5xx(x_api, settings, body):
    settings.API_RATE_PER_TOKEN = "100000/min"
    response = x_api.post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="fuzz")
    assert 400 <= response.status_code < 500
    assert set(response.json()) >= {"code", "detail"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/letters/99999999999999999999999/",
        "/api/v1/advance-notices/9223372036854775808/",
        "/api/v1/cases/%00/",
        "/api/v1/advance-notices/?limit=-5&offset=abc",
    ],
)
def test_out_of_range_ids_and_odd_query_strings_are_4xx_or_empty(x_api, url):
    response = x_api.get(url)
    assert response.status_code in {200, 404}
    assert "code" in response.json() or response.json()["results"] == []
