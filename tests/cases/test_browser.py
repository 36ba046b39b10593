"""Caseworker Ayesha's morning, in a real browser: sign in with the second factor, take a case,
add a note, move it forward."""

from __future__ import annotations

import pytest
from django_otp.oath import totp

from complaints.models import Case, CaseEvent
from complaints.services import staff_totp_enrol
from tests.conftest import STAFF_PASSWORD
from tests.factories import complaint_create


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_caseworker_signs_in_with_totp_takes_a_case_notes_it_and_moves_it_on(live_server, desktop_page, ayesha):
    case = complaint_create(platform_slug="youtube", account_handle="LoCReporter").case
    assert case.assigned_to is None  # Ayesha is on the X team: the YouTube case waits in the queue
    device = staff_totp_enrol(user=ayesha)
    page = desktop_page

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "ayesha")
    page.fill("#id_password", STAFF_PASSWORD)
    page.fill("#id_otp_token", f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    page.click("#login-form input[type=submit]")
    page.wait_for_url("**/admin/complaints/case/my/")
    assert "open cases" in page.content()

    page.goto(f"{live_server.url}/admin/complaints/case/{case.pk}/change/")
    page.click("#take-case")
    page.wait_for_selector("text=The case is yours.")
    page.fill("#case-note textarea[name=text]", "Called the citizen: the appeal was refused on 3 August.")
    page.click("#add-note")
    page.wait_for_selector("text=Note added.")
    page.click("input[name=transition-IN_REVIEW]")
    page.wait_for_selector("text=The case is now In review.")
    assert "Called the citizen" in page.inner_text("#case-timeline")

    case.refresh_from_db()
    assert (case.status, case.assigned_to) == (Case.Status.IN_REVIEW, ayesha)
    kinds = list(case.events.filter(actor=ayesha).values_list("kind", flat=True))
    assert kinds == [CaseEvent.Kind.ASSIGNED, CaseEvent.Kind.NOTE, CaseEvent.Kind.STATUS_CHANGED]
