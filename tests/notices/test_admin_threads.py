"""The notice admin under a threaded server: one admin instance serves masked and unmasked users at once."""

from __future__ import annotations

import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import complaint_create, notices_sent

pytestmark = pytest.mark.django_db(transaction=True)


def test_analyst_pages_never_show_a_citizens_notice_while_a_supervisor_reads_them_concurrently(
    live_server, staff_client, omar, sana
):
    complaint = complaint_create(full_name="Farah Qureshi", preferred_language="en")
    [notice] = notices_sent(complaint)  # the acknowledgement's text is written when it is sent
    url = live_server.url + reverse("admin:notices_notice_change", args=[notice.pk])
    cookies = {user.username: staff_client(user).cookies[settings.SESSION_COOKIE_NAME].value for user in (omar, sana)}

    def fetch(username: str) -> tuple[str, bool]:
        request = urllib.request.Request(  # noqa: S310 - the test's own server
            url, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookies[username]}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the test's own server
            assert response.status == 200
            return username, "Farah Qureshi" in response.read().decode()

    order = [omar.username, sana.username] * 150
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(fetch, order))

    omar_saw = [saw for user, saw in results if user == omar.username]
    sana_saw = [saw for user, saw in results if user == sana.username]
    assert len(omar_saw) == 150 and not any(omar_saw)
    assert all(sana_saw)
