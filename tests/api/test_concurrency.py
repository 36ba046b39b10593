"""Two first requests with the same Idempotency-Key at the same moment, against the live server and PostgreSQL."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests

from api.models import IdempotencyRecord
from notices.models import AdvanceNotice
from notices.services import advance_notice_submit

from .test_advance_notices import URL, notice_body

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_first_requests_with_one_key_create_one_notice_and_get_one_answer(
    live_server, x_token, monkeypatch
):
    entered = threading.Event()

    def slow_submit(**kwargs: Any) -> AdvanceNotice:
        # Hold the first request's transaction open so that the second arrives while it is in flight.
        notice = advance_notice_submit(**kwargs)
        entered.set()
        time.sleep(1.5)
        return notice

    monkeypatch.setattr("api.views.advance.advance_notice_submit", slow_submit)
    headers = {"Authorization": f"Bearer {x_token}", "Idempotency-Key": "same-moment"}
    body = notice_body()
    answers: list[requests.Response] = []

    def send() -> None:
        answers.append(requests.post(f"{live_server.url}{URL}", json=body, headers=headers, timeout=30))

    first = threading.Thread(target=send)
    first.start()
    assert entered.wait(timeout=20)
    second = threading.Thread(target=send)
    second.start()
    first.join(timeout=30)
    second.join(timeout=30)

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert AdvanceNotice.objects.count() == 1 and IdempotencyRecord.objects.count() == 1
