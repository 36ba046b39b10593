"""The advance-notice buttons in a real browser: Zara objects, Sana sees the notice on her landing
page and approves it, and the objection is on its way to the platform."""

from __future__ import annotations

import pytest

from notices.models import AdvanceNotice, Notice, PlatformWebhook
from tests.notices.test_browser import sign_in

from .conftest import WEBHOOK_SECRET, notice_submit


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_zara_objects_and_sana_approves_from_her_landing_page(live_server, chromium, zara, sana, x_platform):
    PlatformWebhook.objects.create(platform=x_platform, url="https://hooks.x.example/pta", secret=WEBHOOK_SECRET)
    notice = notice_submit(x_platform, emergency=True)
    as_zara = chromium.new_context(viewport={"width": 1366, "height": 900}).new_page()
    as_sana = chromium.new_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(as_zara, live_server.url, zara)
    sign_in(as_sana, live_server.url, sana)

    as_zara.goto(f"{live_server.url}/admin/notices/advancenotice/{notice.pk}/change/")
    as_zara.select_option("#advance-respond select[name=response]", "OBJECTION")
    as_zara.fill("#advance-respond textarea[name=reasons]", "Political speech, not incitement.")
    as_zara.fill("#advance-respond input[name=rule]", "PECA s.37(1)")
    as_zara.click("#advance-respond input[type=submit]")
    as_zara.wait_for_selector("text=An objection now waits for a supervisor")
    assert as_zara.locator("#advance-approve").count() == 0

    as_sana.goto(f"{live_server.url}/admin/")
    as_sana.click(f"#advance-notices-due >> text={notice.reference}")
    as_sana.click("#advance-approve input[type=submit]")
    as_sana.wait_for_selector("text=Objection approved")
    notice.refresh_from_db()
    assert (notice.status, notice.approved_by_id) == (AdvanceNotice.Status.RESPONDED, sana.pk)
    assert Notice.objects.filter(channel="WEBHOOK").count() == 1
