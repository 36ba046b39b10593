"""Property-based fuzzing of the public form, tracking and every upload parser: no input gives a 5xx,
and nothing is half-written (a complaint without its case, event or evidence; a file without its row).
bench/fuzz.py runs the same properties 10,000 times."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from complaints.handles import InvalidHandle, handle_normalize

from .conftest import NEW_URL, TRACK_URL
from .fuzzing import (
    assert_intake_whole,
    form_posts,
    handles,
    names,
    refused_or_clean,
    track_posts,
    upload_bytes,
)

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
ANSWERS = {200, 303, 400, 403, 429}
NO_LIMITS = {"COMPLAINT_RATE_PER_IP": "1000000/h", "TRACK_RATE_PER_IP": "1000000/h"}


@pytest.fixture
def started() -> float:
    # Files other tests wrote (and whose rows their transactions rolled back) are not this test's orphans.
    return time.time()


@override_settings(**NO_LIMITS)
@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_the_public_form_answers_anything_without_a_5xx_or_a_half_written_complaint(client, x_platform, started, data):
    response = client.post(NEW_URL, data.draw(form_posts(x_platform)))

    assert response.status_code in ANSWERS
    assert_intake_whole(since=started)


@override_settings(**NO_LIMITS)
@settings(FUZZ, max_examples=80)
@given(post=track_posts)
def test_tracking_answers_anything_without_a_5xx(client, post):
    assert client.post(TRACK_URL, post).status_code in ANSWERS


@settings(FUZZ, max_examples=200)
@given(content=upload_bytes, name=names)
@example(content=b"", name=".")
def test_every_upload_parser_refuses_or_cleans_anything_and_never_crashes(content, name):
    name = name.replace("/", "_")[:40]
    # Django's multipart parser drops a part named "", "." or ".." before any form sees it, and
    # SimpleUploadedFile refuses to be built with one (hypothesis found "." once).
    refused_or_clean(name if name.strip() not in {"", ".", ".."} else "f", content)


@settings(FUZZ, max_examples=100)
@given(value=handles)
def test_handles_normalize_or_are_invalid_never_crash(x_platform, value):
    try:
        assert handle_normalize(x_platform, value)
    except InvalidHandle as exc:
        assert str(exc)
