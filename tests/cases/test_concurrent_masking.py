"""One admin instance serves every user at once: what one request decides must not leak into another's.

Two signed-in sessions hammer the threaded live server together: Omar (analyst: masked, no name) and
Sana (supervisor: the name, and the full CNIC and mobile each time she reveals them). Nothing of
Sana's view may ever appear in Omar's responses.
"""

from __future__ import annotations

import threading

import pytest
import requests
from django.conf import settings

from complaints.models import Complaint
from tests.factories import complaint_create, notices_sent

from .conftest import verified_client

ROUNDS = 25
NAME = "Nadia Baloch"


def _session(user, base_url: str) -> requests.Session:
    """A requests session carrying a signed-in, second-factor-verified session cookie."""
    client = verified_client(user)
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    session.get(f"{base_url}/admin/", timeout=30)  # sets the CSRF cookie
    return session


@pytest.mark.django_db(transaction=True)
def test_masked_and_unmasked_users_in_parallel_never_share_what_they_see(live_server, omar, sana, x_platform):
    complaint = complaint_create(full_name=NAME, email="nadia@example.pk", preferred_language="en")
    [notice] = notices_sent(complaint)  # the acknowledgement's text is written when it is sent
    assert NAME in notice.body
    secrets = (NAME, complaint.cnic, complaint.mobile, complaint.mobile[3:], "nadia@example.pk")
    base = live_server.url
    pages = [
        "/admin/complaints/complaint/",
        f"/admin/complaints/complaint/{complaint.pk}/change/",
        f"/admin/notices/notice/{notice.pk}/change/",
        "/admin/notices/notice/",
        "/admin/complaints/case/",
    ]
    omar_bodies: list[str] = []
    sana_saw: list[str] = []
    errors: list[BaseException] = []
    omar_session, sana_session = _session(omar, base), _session(sana, base)

    def as_omar() -> None:
        try:
            for _ in range(ROUNDS):
                for page in pages:
                    response = omar_session.get(base + page, timeout=30)
                    assert response.status_code == 200, (page, response.status_code)
                    omar_bodies.append(response.text)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    def as_sana() -> None:
        try:
            token = sana_session.cookies.get(settings.CSRF_COOKIE_NAME, "")
            for _ in range(ROUNDS):
                for page in pages:
                    response = sana_session.get(base + page, timeout=30)
                    sana_saw.append(response.text)
                revealed = sana_session.post(
                    f"{base}/admin/complaints/complaint/{complaint.pk}/reveal/",
                    headers={"X-CSRFToken": token, "Referer": base + "/admin/"},
                    timeout=30,
                )
                assert revealed.status_code == 200, revealed.status_code
                sana_saw.append(revealed.text)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=as_omar), threading.Thread(target=as_sana)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    # Sana's side really showed what Omar must not see, or the test proves nothing.
    assert any(NAME in body for body in sana_saw) and any(complaint.mobile in body for body in sana_saw)
    assert len(omar_bodies) == ROUNDS * len(pages)
    for body in omar_bodies:
        for secret in secrets:
            assert secret not in body
    assert Complaint.objects.filter(pk=complaint.pk).exists()
