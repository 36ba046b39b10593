"""The whole journey, as the people in it live it, in Chromium.

Farah files in Urdu on her phone (an ur-PK browser). Ayesha, the caseworker, accepts the complaint
and starts the review. Zara, the correspondence officer, refers the case: a draft letter. Sana, the
supervisor, approves it. Zara sends it; the outbox task delivers it to the platform's contact. The
platform's reply (the account is restored) is recorded, and Ayesha closes the case as restored.
Farah's tracking page then tells her the outcome, in Urdu.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail

from complaints.models import Case, CaseEvent, Complaint
from complaints.tasks import cases_autoassign_task
from notices.models import Letter, Notice
from notices.tasks import notice_send_task
from tests.browser import PHONE
from tests.factories import platform_get
from tests.notices.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1366, "height": 900}
SEND = "میری شکایت بھیجیں"  # "Send my complaint"
SHOW_STATUS = "صورتحال دکھائیں"  # "Show the status"


def _staff_page(chromium, base_url: str, user):
    page = chromium.new_context(viewport=DESKTOP).new_page()
    page.set_default_timeout(20_000)
    sign_in(page, base_url, user)
    return page


def test_a_complaint_filed_in_urdu_ends_with_its_outcome_on_the_tracking_page(
    live_server, chromium, ayesha, zara, sana
):
    platform = platform_get("x")
    platform.contacts.create(name="Grievance Officer", role="grievance officer in Pakistan", email="go@x.example")
    base = live_server.url

    # --- Farah files, in Urdu, on her phone ---------------------------------------------------
    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ur-PK")
    farah = phone.new_page()
    farah.set_default_timeout(20_000)
    farah.goto(f"{base}/ur/complaints/new/")
    assert farah.locator("html").get_attribute("lang") == "ur"
    farah.get_by_label("پورا نام").fill("فرح قریشی")
    farah.fill("input[name=cnic]", "35202-1234567-2")
    farah.fill("input[name=mobile]", "0300 1234567")
    farah.select_option("select[name=province]", "PK-JK")
    farah.fill("input[name=city]", "مظفرآباد")
    farah.check("input[name=preferred_language][value=ur]")
    farah.select_option("select[name=platform]", str(platform.pk))
    farah.fill("input[name=account_handle]", "KashmirVoice")
    farah.select_option("select[name=action_type]", "ACCOUNT_SUSPENDED")
    farah.fill("input[name=action_date]", (date.today() - timedelta(days=2)).isoformat())
    farah.check("input[name=appealed_to_platform][value=no]")
    farah.select_option("select[name=category]", "KASHMIR_SOLIDARITY")
    farah.fill("textarea[name=narrative]", "میں نے یومِ یکجہتیٔ کشمیر پر پوسٹ کی تو میرا اکاؤنٹ معطل کر دیا گیا۔")
    farah.check("input[name=consent_share_with_platform]")
    farah.get_by_label("میرا اقرار ہے کہ میری دی ہوئی معلومات میرے علم کے مطابق درست ہیں۔").check()
    farah.get_by_role("button", name=SEND).click()
    farah.wait_for_url(lambda url: "/ur/complaints/new/sent/" in url)
    reference = farah.locator("#reference").inner_text().strip()
    complaint = Complaint.objects.select_related("case").get(reference=reference)
    # Assignment runs after the request, in a worker (tests/cases/test_assignment_worker.py); here
    # its task runs in this process, as the notices below do.
    cases_autoassign_task.apply()
    case = Case.objects.get(pk=complaint.case_id)
    assert (complaint.status, case.assigned_to) == (Complaint.Status.RECEIVED, ayesha)  # X team: hers

    # --- Ayesha accepts the complaint and starts the review -------------------------------------
    as_ayesha = _staff_page(chromium, base, ayesha)
    as_ayesha.goto(f"{base}/admin/complaints/complaint/{complaint.pk}/change/")
    as_ayesha.click("#complaint-actions input[type=submit][value='Accept']")
    as_ayesha.wait_for_selector("text=Complaint updated.")
    as_ayesha.goto(f"{base}/admin/complaints/case/{case.pk}/change/")
    as_ayesha.click("input[name=transition-IN_REVIEW]")
    as_ayesha.wait_for_selector("text=The case is now In review.")

    # --- Zara refers the case: a draft letter for a supervisor --------------------------------
    as_zara = _staff_page(chromium, base, zara)
    as_zara.goto(f"{base}/admin/complaints/case/?status__exact=IN_REVIEW")
    as_zara.check("#action-toggle")
    as_zara.select_option("select[name=action]", "refer_to_platform")
    as_zara.click("button[name=index]")
    as_zara.wait_for_selector("text=Draft letters for a supervisor to approve")
    letter = Letter.objects.get()
    letter_url = f"{base}/admin/notices/letter/{letter.pk}/change/"

    # --- Sana approves ------------------------------------------------------------------------
    as_sana = _staff_page(chromium, base, sana)
    as_sana.goto(letter_url)
    assert "Waiting for a supervisor to approve." in as_sana.get_by_test_id("letter-next-step").inner_text()
    as_sana.get_by_role("button", name="Approve this letter").click()
    as_sana.wait_for_selector("text=Letter saved and approved.")

    # --- Zara sends; the outbox task delivers it -----------------------------------------------
    as_zara.goto(letter_url)
    assert "Ready for a correspondence officer to send." in as_zara.get_by_test_id("letter-next-step").inner_text()
    as_zara.get_by_role("button", name="Send to the platform").click()
    as_zara.wait_for_selector("text=its cases await the platform")
    to_platform = Notice.objects.get(letter=letter)
    mail.outbox.clear()
    notice_send_task.apply(args=[to_platform.pk])
    to_platform.refresh_from_db()
    assert to_platform.status == Notice.Status.SENT
    [sent] = [m for m in mail.outbox if m.to == ["go@x.example"]]
    assert sent.subject.count(letter.our_reference) == 1 and letter.our_reference in sent.body
    assert "Dear Grievance Officer," in sent.body and "Yours faithfully," in sent.body
    as_zara.goto(letter_url)
    assert "Waiting for the platform's reply by" in as_zara.get_by_test_id("letter-next-step").inner_text()

    # --- The platform's reply: the account is restored ----------------------------------------
    as_zara.goto(f"{letter_url.removesuffix('change/')}reply/")
    as_zara.fill("input[name=platform_ticket_ref]", "X-2026-0042")
    as_zara.fill("textarea[name=text]", "The account @KashmirVoice has been restored.")
    as_zara.select_option("select[name=outcome-0-action_taken]", "YES")
    as_zara.click("input[type=submit][value='Record the reply']")
    as_zara.wait_for_selector("text=Reply recorded; the citizens will be told.")
    case.refresh_from_db()
    assert case.status == Case.Status.PLATFORM_RESPONDED

    # --- Ayesha closes the case as restored ---------------------------------------------------
    as_ayesha.goto(f"{base}/admin/complaints/case/{case.pk}/change/")
    as_ayesha.select_option("#close-form select[name=outcome]", Case.Outcome.REINSTATED)
    as_ayesha.click("#close-form input[name=transition-CLOSED]")
    as_ayesha.wait_for_selector("text=The case is now Closed.")
    case.refresh_from_db()
    complaint.refresh_from_db()
    assert (case.status, case.outcome) == (Case.Status.CLOSED, Case.Outcome.REINSTATED)
    assert complaint.status == Complaint.Status.ACCEPTED  # never "Received" beside a closed, restored case
    assert case.events.filter(kind=CaseEvent.Kind.COMPLAINT_ACCEPTED, actor=ayesha).count() == 1

    # --- Farah tracks it, in Urdu ---------------------------------------------------------------
    farah.goto(f"{base}/ur/complaints/track/")
    farah.fill("input[name=reference]", reference)
    farah.fill("input[name=mobile]", "+92 300 1234567")
    farah.get_by_role("button", name=SHOW_STATUS).click()
    assert farah.locator("html").get_attribute("lang") == "ur"
    # The tracking page's outcome and next step are the citizen pages' work (issue 8, "citizen").
    outcome = farah.get_by_test_id("track-outcome")
    outcome.wait_for(state="visible")
    assert outcome.inner_text().strip()
    phone.close()
