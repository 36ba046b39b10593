"""The correspondence day in a real browser: Zara refers cases, Sana approves the letter, Zara sends
it and records the platform's reply, and each citizen has a notice in their own language."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp

from complaints.models import Case
from complaints.services import staff_totp_enrol
from notices.models import Letter, Notice
from tests.conftest import STAFF_PASSWORD
from tests.factories import complaint_create


def sign_in(page, base_url: str, user) -> None:
    device = staff_totp_enrol(user=user)
    page.goto(f"{base_url}/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.fill("#id_otp_token", f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    page.click("#login-form input[type=submit]")
    page.wait_for_selector("#user-tools")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_refer_approve_send_and_record_a_reply_through_the_buttons(live_server, chromium, zara, sana, x_platform):
    x_platform.contacts.create(name="Grievance Officer", role="grievance officer in Pakistan", email="go@x.example")
    urdu = complaint_create(account_handle="kashmir_voice", preferred_language="ur")
    english = complaint_create(account_handle="valley_news", preferred_language="en")
    Case.objects.update(status=Case.Status.IN_REVIEW)
    as_zara = chromium.new_context(viewport={"width": 1366, "height": 900}).new_page()
    as_sana = chromium.new_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(as_zara, live_server.url, zara)
    sign_in(as_sana, live_server.url, sana)

    as_zara.goto(f"{live_server.url}/admin/complaints/case/?status__exact=IN_REVIEW")
    as_zara.check("#action-toggle")
    as_zara.select_option("select[name=action]", "refer_to_platform")
    as_zara.click("button[name=index]")
    as_zara.wait_for_selector("text=Draft letters for a supervisor to approve")
    letter = Letter.objects.get()
    letter_url = f"{live_server.url}/admin/notices/letter/{letter.pk}/change/"

    as_sana.goto(letter_url)
    as_sana.get_by_role("button", name="Approve this letter").click()
    as_sana.wait_for_selector("text=Letter saved and approved.")

    as_zara.goto(letter_url)
    as_zara.get_by_role("button", name="Send to the platform").click()
    as_zara.wait_for_selector("text=its cases await the platform")
    assert set(Case.objects.values_list("status", flat=True)) == {Case.Status.AWAITING_PLATFORM}

    as_zara.get_by_role("link", name=re.compile("Record a reply")).click()
    as_zara.fill("input[name=platform_ticket_ref]", "X-2026-0042")
    as_zara.fill("textarea[name=text]", "Both accounts have been restored.")
    for row in range(2):
        as_zara.select_option(f"select[name=outcome-{row}-action_taken]", "YES")
        as_zara.select_option(f"select[name=outcome-{row}-outcome]", Case.Outcome.REINSTATED)
    as_zara.click("input[type=submit][value='Record the reply']")
    as_zara.wait_for_selector("text=Reply recorded; the citizens will be told.")

    letter.refresh_from_db()
    assert (letter.status, letter.platform_ticket_ref) == (Letter.Status.REPLIED, "X-2026-0042")
    assert set(Case.objects.values_list("status", "outcome")) == {(Case.Status.CLOSED, Case.Outcome.REINSTATED)}
    closed = {n.complaint_id: n for n in Notice.objects.filter(kind="closed")}
    assert closed[urdu.pk].language == "ur" and closed[english.pk].language == "en"
    # The address is encrypted at rest (no lookup on it): compare the decrypted values.
    to_platform = Notice.objects.filter(letter=letter, recipient_kind="PLATFORM_CONTACT")
    assert [notice.address for notice in to_platform] == ["go@x.example"]
