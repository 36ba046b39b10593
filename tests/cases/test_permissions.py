"""The role table of docs/cases.md, checked through the real admin by the named actors."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from complaints.models import Case, CaseEvent, PiiAccessLog
from complaints.services import EvidenceUpload
from tests.factories import complaint_create

from .conftest import verified_client

pytestmark = pytest.mark.django_db

CASES = "/admin/complaints/case/"
COMPLAINTS = "/admin/complaints/complaint/"


@pytest.fixture
def cases(ayesha, bilal, x_platform, facebook_platform):
    """One X case (auto-assigned to Ayesha), one Facebook case (Bilal's) and one nobody holds."""
    mine = complaint_create(account_handle="KashmirVoice").case
    bilals = complaint_create(platform_slug="facebook", account_handle="ValleyStories").case
    unassigned = complaint_create(platform_slug="youtube", account_handle="LoCReporter").case
    mine.refresh_from_db()
    bilals.refresh_from_db()
    assert mine.assigned_to == ayesha and bilals.assigned_to == bilal and unassigned.assigned_to is None
    return {"mine": mine, "bilals": bilals, "unassigned": unassigned}


def listed(response) -> set[int]:
    return {case.pk for case in response.context["cl"].result_list}


def test_caseworker_sees_unassigned_cases_and_her_own_only(ayesha, cases):
    response = verified_client(ayesha).get(CASES)
    assert response.status_code == 200
    assert listed(response) == {cases["mine"].pk, cases["unassigned"].pk}


def test_caseworker_cannot_open_or_change_a_case_assigned_to_someone_else(ayesha, cases):
    client = verified_client(ayesha)
    bilals = cases["bilals"]
    assert client.get(f"{CASES}{bilals.pk}/change/").status_code == 302  # "doesn't exist", back to the index
    response = client.post(f"{CASES}{bilals.pk}/transition/", {"to": "IN_REVIEW"})
    assert response.status_code == 404
    bilals.refresh_from_db()
    assert bilals.status == Case.Status.NEW


def test_caseworker_cannot_move_an_unassigned_case_until_she_takes_it(ayesha, cases):
    client = verified_client(ayesha)
    case = cases["unassigned"]
    assert client.post(f"{CASES}{case.pk}/transition/", {"to": "IN_REVIEW"}).status_code == 403
    client.post(f"{CASES}{case.pk}/take/")
    client.post(f"{CASES}{case.pk}/transition/", {"to": "IN_REVIEW"})
    case.refresh_from_db()
    assert (case.assigned_to, case.status) == (ayesha, Case.Status.IN_REVIEW)


def test_supervisor_sees_everything_and_reassigns_in_bulk(sana, bilal, cases):
    client = verified_client(sana)
    assert listed(client.get(CASES)) == {c.pk for c in cases.values()}
    selected = [cases["mine"].pk, cases["unassigned"].pk]
    response = client.post(
        CASES, {"action": "cases_reassign", "_selected_action": selected, "apply": "1", "to": bilal.pk}, follow=True
    )
    assert "2 case(s) reassigned" in response.content.decode()
    assert set(Case.objects.filter(pk__in=selected).values_list("assigned_to", flat=True)) == {bilal.pk}
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.ASSIGNED, actor=sana).count() == 2


def test_caseworker_has_no_reassign_action(ayesha, cases):
    actions = dict(verified_client(ayesha).get(CASES).context["action_form"].fields["action"].choices)
    assert "cases_take" in actions and "cases_reassign" not in actions


def test_analyst_sees_everything_read_only(omar, cases):
    client = verified_client(omar)
    response = client.get(CASES)
    assert listed(response) == {c.pk for c in cases.values()}
    # Read-only: the exports (reports app) are the only actions an analyst is offered.
    actions = {name for name, _ in response.context["action_form"].fields["action"].choices if name}
    assert actions and all(name.startswith("reports_export_") for name in actions)
    case = cases["mine"]
    page = client.get(f"{CASES}{case.pk}/change/")
    assert page.status_code == 200 and not page.context["can_change"]
    assert client.post(f"{CASES}{case.pk}/transition/", {"to": "IN_REVIEW"}).status_code == 403
    assert client.post(f"{CASES}{case.pk}/note/", {"text": "hello"}).status_code == 403


def test_correspondence_officer_views_cases_complaints_and_edits_platforms(zara, cases, x_platform):
    client = verified_client(zara)
    assert listed(client.get(CASES)) == {c.pk for c in cases.values()}
    assert client.get(COMPLAINTS).status_code == 200
    assert client.post(f"{CASES}{cases['mine'].pk}/transition/", {"to": "IN_REVIEW"}).status_code == 403
    assert client.get(f"/admin/complaints/platform/{x_platform.pk}/change/").context["has_change_permission"]


def test_analyst_sees_pii_masked_and_cannot_reveal(omar, cases):
    client = verified_client(omar)
    complaint = cases["mine"].complaints.get()
    for url in (COMPLAINTS, f"{COMPLAINTS}{complaint.pk}/change/"):
        body = client.get(url).content.decode()
        assert complaint.cnic not in body and complaint.mobile not in body
    # The list has no CNIC column (it fits a laptop screen); the complaint's page shows the mask.
    assert f"*****-*******-{complaint.cnic[12]}" in body
    assert client.post(f"{COMPLAINTS}{complaint.pk}/reveal/").status_code == 403
    assert not PiiAccessLog.objects.exists()


def test_analyst_and_correspondence_see_neither_name_nor_narrative_but_caseworker_does(omar, zara, ayesha, cases):
    complaint = cases["mine"].complaints.get()
    for reader in (omar, zara):
        client = verified_client(reader)
        for url in (COMPLAINTS, f"{COMPLAINTS}{complaint.pk}/change/"):
            body = client.get(url).content.decode()
            assert complaint.full_name not in body and complaint.narrative not in body
        assert "Withheld: your role does not work complaints" in body
        assert "F. ***" in client.get(COMPLAINTS).content.decode()
    body = verified_client(ayesha).get(f"{COMPLAINTS}{complaint.pk}/change/").content.decode()
    assert complaint.full_name in body and complaint.narrative in body


def test_supervisor_reveal_shows_pii_and_logs_who_when_which(sana, cases):
    client = verified_client(sana)
    complaint = cases["mine"].complaints.get()
    assert complaint.mobile not in client.get(f"{COMPLAINTS}{complaint.pk}/change/").content.decode()
    response = client.post(f"{COMPLAINTS}{complaint.pk}/reveal/")
    body = response.content.decode()
    assert response.status_code == 200 and complaint.mobile in body
    assert f"{complaint.cnic[:5]}-{complaint.cnic[5:12]}-{complaint.cnic[12]}" in body  # 5-7-1, as printed
    log = PiiAccessLog.objects.get()
    assert (log.user, log.complaint, log.action) == (sana, complaint, PiiAccessLog.Action.REVEAL)
    assert client.get("/admin/complaints/piiaccesslog/").status_code == 200


def test_reveal_is_post_only(sana, cases):
    complaint = cases["mine"].complaints.get()
    assert verified_client(sana).get(f"{COMPLAINTS}{complaint.pk}/reveal/").status_code == 405
    assert not PiiAccessLog.objects.exists()


def test_search_by_cnic_and_mobile_typed_the_local_way(sana, cases):
    client = verified_client(sana)
    complaint = cases["bilals"].complaints.get()
    cnic = f"{complaint.cnic[:5]}-{complaint.cnic[5:12]}-{complaint.cnic[12:]}"
    assert listed(client.get(CASES, {"q": cnic})) == {cases["bilals"].pk}
    local_mobile = "0" + complaint.mobile[3:]
    assert listed(client.get(CASES, {"q": local_mobile})) == {cases["bilals"].pk}
    assert listed(client.get(CASES, {"q": "@valley"})) == {cases["bilals"].pk}
    assert listed(client.get(CASES, {"q": cases["mine"].reference.lower()})) == {cases["mine"].pk}
    complaints = client.get(COMPLAINTS, {"q": local_mobile}).context["cl"].result_list
    assert [c.pk for c in complaints] == [complaint.pk]


def test_caseworker_lands_on_my_cases(ayesha, cases):
    client = verified_client(ayesha)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/complaints/case/my/"
    page = client.get("/admin/complaints/case/my/")
    assert page.status_code == 200 and page.context["summary"]["open_total"] == 1


def test_non_staff_user_never_gets_in(db):
    user = User.objects.create_user("citizen", password="x" * 12)
    assert verified_client(user).get(CASES).status_code == 302


def test_case_page_links_evidence_through_the_staff_view_for_roles_that_may_see_it(ayesha, omar, x_platform):
    upload = EvidenceUpload(
        content=b"%PDF-1.4 notice", original_name="notice.pdf", content_type="application/pdf", sha256="0" * 64, size=15
    )
    complaint = complaint_create(evidence=[upload])
    link = f"/staff/evidence/{complaint.evidence.get().pk}/"
    assert link in verified_client(ayesha).get(f"{CASES}{complaint.case_id}/change/").content.decode()
    analyst_page = verified_client(omar).get(f"{CASES}{complaint.case_id}/change/").content.decode()
    assert link not in analyst_page and "application/pdf" in analyst_page


def test_reassign_action_asks_for_the_caseworker_first(sana, cases):
    response = verified_client(sana).post(CASES, {"action": "cases_reassign", "_selected_action": [cases["mine"].pk]})
    assert response.status_code == 200 and "Reassign" in response.content.decode()
    cases["mine"].refresh_from_db()
    assert cases["mine"].assigned_to.username == "ayesha"


def test_only_supervisors_assign_from_the_case_page(ayesha, bilal, sana, cases):
    case = cases["mine"]
    assert verified_client(ayesha).post(f"{CASES}{case.pk}/assign/", {"to": bilal.pk}).status_code == 403
    response = verified_client(sana).post(f"{CASES}{case.pk}/assign/", {"to": bilal.pk}, follow=True)
    assert "Assigned to bilal." in response.content.decode()
    case.refresh_from_db()
    assert case.assigned_to == bilal
    # Ayesha no longer sees the case she gave up.
    assert verified_client(ayesha).post(f"{CASES}{case.pk}/note/", {"text": "mine?"}).status_code == 404


def test_assigning_to_someone_who_is_not_a_caseworker_is_a_message_not_a_500(sana, omar, cases):
    response = verified_client(sana).post(f"{CASES}{cases['mine'].pk}/assign/", {"to": omar.pk}, follow=True)
    assert response.status_code == 200 and "Nothing changed" in response.content.decode()
