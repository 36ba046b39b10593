"""Fixtures for the platform API: a token and a client per platform, and letters that went out to each."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from api.services import platform_token_issue
from complaints.models import Case, Platform
from notices import services as notices
from notices.models import Letter
from tests.factories import complaint_create
from tests.notices.conftest import staff_client  # noqa: F401 - the admin, signed in with a second factor


def client_for(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def x_token(x_platform: Platform) -> str:
    return platform_token_issue(platform=x_platform, name="production", actor=None).plaintext


@pytest.fixture
def facebook_token(facebook_platform: Platform) -> str:
    return platform_token_issue(platform=facebook_platform, name="production", actor=None).plaintext


@pytest.fixture
def x_api(x_token: str) -> APIClient:
    return client_for(x_token)


@pytest.fixture
def facebook_api(facebook_token: str) -> APIClient:
    return client_for(facebook_token)


def cases_in_review(platform_slug: str, handles: list[str], **overrides) -> list[Case]:
    complaints = [complaint_create(account_handle=h, platform_slug=platform_slug, **overrides) for h in handles]
    ids = [c.case_id for c in complaints]
    Case.objects.filter(pk__in=ids).update(status=Case.Status.IN_REVIEW)
    return list(Case.objects.filter(pk__in=ids).order_by("reference"))


@pytest.fixture
def send_letter(zara, sana) -> Callable[[list[Case]], Letter]:
    """A letter about the cases, drafted by Zara, approved by Sana and sent, as in the admin."""

    def send(cases: list[Case]) -> Letter:
        platform = cases[0].platform
        if not platform.contacts.exists():
            platform.contacts.create(
                name="Grievance Officer", role="grievance officer", email=f"g@{platform.slug}.example"
            )
        [letter] = notices.letter_draft_for_cases(cases=cases, actor=zara)
        notices.letter_approve(letter=letter, actor=sana)
        return notices.letter_send(letter=letter, actor=zara)

    return send


def post(client: APIClient, url: str, body: object, key: str | None = "key-1", **extra: str):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, body, format="json", **headers, **extra)
