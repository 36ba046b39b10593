"""A caseworker's view of a complaint's pictures while a worker re-encodes them: the ready one opens,
the one being checked says so without a link, the refused one says it was not kept. axe-clean."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from complaints.evidence import evidence_validate
from complaints.models import Evidence
from complaints.services import complaint_submit, evidences_clean_pending
from tests.browser import axe_serious
from tests.factories import complaint_data
from tests.intake.conftest import png_bytes, upload
from tests.intake.test_evidence_worker import png_with_broken_pixels
from tests.notices.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_sees_which_pictures_are_ready_being_checked_or_refused(live_server, chromium, ayesha):
    pictures = evidence_validate(
        [upload("ready.png", png_bytes((64, 48))), upload("broken.png", png_with_broken_pixels())],
        defer_pictures=True,
    )
    complaint = complaint_submit(data=complaint_data(account_handle="three_pictures"), evidence=pictures)
    evidences_clean_pending()  # the worker: one READY, one REFUSED
    [waiting] = evidence_validate([upload("waiting.png", png_bytes((32, 24)))], defer_pictures=True)
    complaint.evidence.create(
        file="quarantine/2026/12/waiting",
        original_name="waiting.png",
        content_type=waiting.content_type,
        size=waiting.size,
        sha256=waiting.sha256,
        state=Evidence.State.PENDING,
    )
    ready = complaint.evidence.get(state=Evidence.State.READY)
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, ayesha)
        for url in (
            f"/admin/complaints/complaint/{complaint.pk}/change/",
            f"/admin/complaints/case/{complaint.case_id}/change/",
        ):
            page.goto(f"{live_server.url}{url}")
            text = page.locator(".complaint-evidence, td.evidence").first.inner_text()
            assert "being checked; it opens here in a few seconds" in text
            assert "could not be read, and was not kept" in text
            links = page.locator("a[href^='/staff/evidence/']")
            assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
                f"/staff/evidence/{ready.pk}/"
            ]
            assert axe_serious(page) == []
            if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1" and "complaint/" in url:
                page.screenshot(path=str(Path("docs/img/evidence-states.png")), full_page=True)
    finally:
        context.close()
