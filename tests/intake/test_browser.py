"""A citizen on a phone, in Urdu: files a complaint with a screenshot, then tracks it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from complaints.models import Complaint
from tests.factories import platform_get

from .conftest import png_bytes

# No element sticks out of the phone's screen on either side (RTL pages overflow to the left).
NOTHING_OVERFLOWS = """Array.from(document.querySelectorAll('body *')).every(e => {
    const r = e.getBoundingClientRect();
    return r.width === 0 || (r.left >= -1 && r.right <= window.innerWidth + 1);
})"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_citizen_files_in_urdu_on_a_phone_and_tracks_the_complaint(live_server, phone_page):
    platform = platform_get("x")
    page = phone_page

    page.goto(f"{live_server.url}/ur/complaints/new/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate(NOTHING_OVERFLOWS)

    # Sent empty first: the error summary, in Urdu, links to each field; the page still fits the phone.
    page.get_by_role("button", name="میری شکایت بھیجیں").click()
    summary = page.locator("#error-summary")
    assert "ایک مسئلہ ہے" in summary.inner_text()
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.name") == "full_name"
    assert page.evaluate(NOTHING_OVERFLOWS)

    page.get_by_label("پورا نام").fill("فرح قریشی")
    page.fill("input[name=cnic]", "35202-1234567-2")
    page.fill("input[name=mobile]", "0300 1234567")
    page.select_option("select[name=province]", "PK-JK")
    page.fill("input[name=city]", "مظفرآباد")
    page.check("input[name=preferred_language][value=ur]")
    page.select_option("select[name=platform]", str(platform.pk))
    page.fill("input[name=account_handle]", "@KashmirVoice")
    page.select_option("select[name=action_type]", "ACCOUNT_SUSPENDED")
    page.fill("input[name=action_date]", (date.today() - timedelta(days=2)).isoformat())
    page.check("input[name=appealed_to_platform][value=no]")
    page.select_option("select[name=category]", "KASHMIR_SOLIDARITY")
    page.fill("textarea[name=narrative]", "میں نے یومِ یکجہتیٔ کشمیر پر پوسٹ کی تو میرا اکاؤنٹ معطل کر دیا گیا۔")
    page.set_input_files(
        "input[name=evidence]", files=[{"name": "screenshot.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.check("input[name=consent_share_with_platform]")
    page.get_by_label("میرا اقرار ہے کہ میری دی ہوئی معلومات میرے علم کے مطابق درست ہیں۔").check()
    page.get_by_role("button", name="میری شکایت بھیجیں").click()

    # The summary link left a #fragment, which the browser keeps across the redirect.
    page.wait_for_url(lambda url: "/ur/complaints/new/sent/" in url)
    reference = page.locator("#reference").inner_text().strip()
    complaint = Complaint.objects.get(reference=reference)
    assert complaint.evidence.count() == 1
    assert complaint.full_name == "فرح قریشی"

    page.get_by_role("link", name="شکایت کی پیش رفت دیکھیں").last.click()
    page.fill("input[name=reference]", reference)
    page.fill("input[name=mobile]", "+92 300 1234567")
    page.get_by_role("button", name="صورتحال دکھائیں").click()

    # One status in plain words, and what comes next.
    assert page.get_by_test_id("track-status").inner_text().strip() == "موصول ہو گئی، جائزے کی منتظر"
    assert "آگے کیا ہوگا:" in page.get_by_test_id("track-next").inner_text()
    assert "ہمیں آپ کی شکایت موصول ہو گئی۔" in page.locator(".timeline").inner_text()
