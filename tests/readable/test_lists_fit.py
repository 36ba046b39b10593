"""Each role's lists fit a 1366 px laptop screen: no sideways scrolling, and the key column is in view."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.notices.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
WIDTH = 1366

# (who, list, the column that must be on screen)
LISTS = [
    ("ayesha", "/admin/complaints/case/", "due"),
    ("sana", "/admin/complaints/case/", "due"),
    ("zara", "/admin/complaints/case/", "due"),
    ("ayesha", "/admin/complaints/complaint/", "case_link"),
    ("sana", "/admin/complaints/complaint/", "case_link"),
    ("zara", "/admin/complaints/complaint/", "case_link"),
    ("sana", "/admin/notices/notice/", "state"),
    ("zara", "/admin/notices/notice/", "state"),
    ("zara", "/admin/notices/reply/", "received_at"),
    ("sana", "/admin/notices/advancenotice/", "due"),
    ("zara", "/admin/notices/advancenotice/", "due"),
]


@pytest.mark.parametrize(("who", "url", "column"), LISTS)
def test_the_list_fits_1366_px_with_its_key_column_in_view(live_server, chromium, world, request, who, url, column):
    user = request.getfixturevalue(who)
    context = chromium.new_context(viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, user)
        page.goto(f"{live_server.url}{url}")
        rows = page.locator("#result_list tbody tr")
        assert rows.count() >= 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"list-{who}-{url.strip('/').replace('/', '-')}.png"))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # The table scrolls inside its own box when too wide: that box must not scroll either.
        assert page.evaluate(
            "(r => r.scrollWidth <= r.clientWidth)(document.querySelector('#changelist-form .results'))"
        )
        box = page.locator(f"#result_list tbody tr:first-child .field-{column}").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    finally:
        context.close()
