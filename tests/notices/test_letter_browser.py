"""In Chromium: Sana edits a draft letter's subject and presses Approve without saving first; after a
reload the edit is there and approved. Zara's unsaved edit before Send is refused and kept in the form.
The letter page passes axe-core."""

from __future__ import annotations

import pytest

from complaints.models import Case
from notices import services
from notices.models import Letter
from tests.browser import axe_serious
from tests.factories import complaint_create

from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def draft(zara, x_platform) -> Letter:
    x_platform.contacts.create(name="Grievance Officer", role="grievance officer in Pakistan", email="go@x.example")
    complaint = complaint_create(account_handle="kashmir_voice")
    Case.objects.filter(pk=complaint.case_id).update(status=Case.Status.IN_REVIEW)
    [letter] = services.letter_draft_for_cases(cases=[complaint.case], actor=zara)
    return letter


def test_approve_keeps_the_unsaved_edit_and_send_refuses_one(live_server, chromium, zara, sana, draft):
    url = f"{live_server.url}/admin/notices/letter/{draft.pk}/change/"
    as_sana = chromium.new_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(as_sana, live_server.url, sana)
    as_sana.goto(url)
    assert as_sana.get_by_test_id("letter-next-step").inner_text() == "Next: Waiting for a supervisor to approve."
    approve = as_sana.get_by_role("button", name="Approve this letter")
    # Primary, like Django's own Save button: the admin's default-button colour, not the browser's grey.
    save_colour = as_sana.eval_on_selector("input[name=_save]", "e => getComputedStyle(e).backgroundColor")
    assert approve.evaluate("e => getComputedStyle(e).backgroundColor") == save_colour
    assert axe_serious(as_sana) == []

    edited = "Request to review and restore one account, as Sana worded it"
    as_sana.fill("input[name=subject]", edited)
    approve.click()
    as_sana.wait_for_selector("text=Letter saved and approved.")
    as_sana.reload()
    assert as_sana.input_value("input[name=subject]") == edited
    assert "Ready for a correspondence officer to send." in as_sana.get_by_test_id("letter-next-step").inner_text()
    draft.refresh_from_db()
    assert (draft.subject, draft.status, draft.approved_by) == (edited, Letter.Status.APPROVED, sana)

    as_zara = chromium.new_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(as_zara, live_server.url, zara)
    as_zara.goto(url)
    as_zara.fill("input[name=subject]", "A last-minute change")
    as_zara.get_by_role("button", name="Send to the platform").click()
    as_zara.wait_for_selector("text=This letter has changes that are not saved.")
    assert as_zara.input_value("input[name=subject]") == "A last-minute change"
    draft.refresh_from_db()
    assert (draft.subject, draft.status) == (edited, Letter.Status.APPROVED)
    assert axe_serious(as_zara) == []

    as_zara.goto(url)  # the edit discarded: the untouched form sends (the body's line ends survive the round trip)
    as_zara.get_by_role("button", name="Send to the platform").click()
    as_zara.wait_for_selector("text=Letter queued for sending; its cases await the platform.")
    draft.refresh_from_db()
    assert (draft.subject, draft.status) == (edited, Letter.Status.SENT)
