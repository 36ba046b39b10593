"""axe-core over every admin page each role uses: lists, record pages and add forms, 0 critical and
0 serious violations. Form controls are labelled; the lists and pages are read as each role sees them."""

from __future__ import annotations

import pytest

from tests.browser import axe_serious
from tests.notices.test_browser import sign_in

from .conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pages(world: World) -> dict[str, list[str]]:
    case, complaint = f"{world.case.pk}", f"{world.complaint.pk}"
    records = [
        "/admin/complaints/case/",
        f"/admin/complaints/case/{case}/change/",
        f"/admin/complaints/case/{world.open_case.pk}/change/",
        "/admin/complaints/complaint/",
        f"/admin/complaints/complaint/{complaint}/change/",
    ]
    correspondence = [
        "/admin/notices/letter/",
        f"/admin/notices/letter/{world.letter.pk}/change/",
        "/admin/notices/notice/",
        f"/admin/notices/notice/{world.letter.notices.first().pk}/change/",
        "/admin/notices/reply/",
        f"/admin/notices/reply/{world.reply.pk}/change/",
        "/admin/notices/advancenotice/",
        f"/admin/notices/advancenotice/{world.advance.pk}/change/",
    ]
    return {
        "ayesha": ["/admin/", "/admin/complaints/case/my/", *records],
        "sana": ["/admin/", *records, *correspondence, "/admin/notices/advancenotice/add/"],
        "zara": [
            "/admin/",
            *records,
            *correspondence,
            f"/admin/notices/letter/{world.open_letter.pk}/reply/",
            "/admin/notices/advancenotice/add/",
        ],
        "omar": [*records, *correspondence],
    }


@pytest.mark.parametrize("who", ["ayesha", "sana", "zara", "omar"])
def test_every_admin_page_a_role_uses_passes_axe(live_server, chromium, world, request, who):
    user = request.getfixturevalue(who)
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    found = {}
    try:
        sign_in(page, live_server.url, user)
        for url in pages(world)[who]:
            response = page.goto(f"{live_server.url}{url}")
            assert response is not None and response.status == 200, (url, response and response.status)
            violations = axe_serious(page)
            if violations:
                found[url] = violations
    finally:
        context.close()
    assert found == {}
