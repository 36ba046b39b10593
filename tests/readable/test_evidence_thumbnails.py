"""Looking at a case shows its pictures without logging a download; opening a file logs one."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from PIL import Image

from complaints.models import PiiAccessLog
from tests.cases.conftest import verified_client
from tests.notices.test_browser import sign_in

from .conftest import World

pytestmark = pytest.mark.django_db


def evidence_rows() -> int:
    return PiiAccessLog.objects.filter(action=PiiAccessLog.Action.EVIDENCE).count()


def test_viewing_a_case_and_its_thumbnails_logs_nothing_and_downloading_logs_once(world: World, sana):
    client = verified_client(sana)
    item = world.complaint.evidence.get()

    page = client.get(f"/admin/complaints/case/{world.case.pk}/change/").content.decode()
    assert f'src="/staff/evidence/{item.pk}/thumbnail/"' in page
    assert f'href="/staff/evidence/{item.pk}/"' in page  # the picture links to the (logged) file
    thumbnail = client.get(f"/staff/evidence/{item.pk}/thumbnail/")
    complaint_page = client.get(f"/admin/complaints/complaint/{world.complaint.pk}/change/").content.decode()
    assert f'src="/staff/evidence/{item.pk}/thumbnail/"' in complaint_page
    assert evidence_rows() == 0

    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    assert {"private", "no-store"} <= {part.strip() for part in thumbnail["Cache-Control"].split(",")}
    picture = Image.open(io.BytesIO(thumbnail.content))
    assert picture.format == "JPEG" and max(picture.size) <= 192
    assert len(thumbnail.content) < item.size

    download = client.get(f"/staff/evidence/{item.pk}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    b"".join(download.streaming_content)
    assert evidence_rows() == 1


def test_thumbnails_have_the_downloads_checks(world: World, client, ayesha, bilal):
    item = world.complaint.evidence.get()
    url = f"/staff/evidence/{item.pk}/thumbnail/"
    assert world.case.assigned_to == ayesha

    assert client.get(url).status_code == 302  # signed out: to the login
    nobody = User.objects.create_user("guest", password="x" * 12, is_staff=True)
    assert verified_client(nobody).get(url).status_code == 403  # no permission to view evidence
    assert verified_client(bilal).get(url).status_code == 404  # a caseworker, but the case is Ayesha's
    assert verified_client(ayesha).get(url).status_code == 200
    assert evidence_rows() == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_the_browser_the_case_page_logs_nothing_and_opening_the_file_logs_it(live_server, chromium, world, sana):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, sana)
        page.goto(f"{live_server.url}/admin/complaints/case/{world.case.pk}/change/")
        picture = page.locator("#case-complaints .evidence img")
        picture.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
        assert evidence_rows() == 0
        with page.expect_download():
            picture.click()
        assert evidence_rows() == 1
    finally:
        context.close()
