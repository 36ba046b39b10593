"""Where each role lands after signing in, and whether every number there tells the truth: each count
is a link, and the list behind it shows exactly that many rows."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Case
from notices.models import Letter
from tests.cases.conftest import verified_client
from tests.cases.landing_data import case_at, letter_at, office_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(ayesha, bilal, sana, zara) -> dict[str, Case]:
    return office_create(ayesha, bilal, sana)


MY_CASES = "/admin/complaints/case/my/"


class CountLinks(HTMLParser):
    """Every <a class="landing-count" data-count="N" href="..."> on a page, as (href, N)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and "landing-count" in (found.get("class") or "").split():
            self.links.append((found["href"] or "", int(found["data-count"] or "")))


def count_links(html: str) -> list[tuple[str, int]]:
    parser = CountLinks()
    parser.feed(html)
    return parser.links


def assert_every_count_matches_its_list(client, html: str) -> list[tuple[str, int]]:
    links = count_links(html)
    for href, shown in links:
        response = client.get(href)
        assert response.status_code == 200, href
        assert response.context["cl"].result_count == shown, href
    return links


def test_supervisor_lands_on_the_team_workload_and_every_count_is_its_list(office, sana, ayesha, bilal):
    client = verified_client(sana)
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    workload = {row["name"]: row for row in response.context["workload"]["rows"]}
    assert {name: (r["open"]["n"], r["overdue"]["n"], r["soon"]["n"]) for name, r in workload.items()} == {
        "Ayesha": (3, 1, 1),
        "Bilal": (3, 1, 2),
    }
    assert response.context["workload"]["unassigned"]["open"]["n"] == 2
    assert response.context["escalated"]["count"]["n"] == 1
    assert response.context["awaiting_approval"]["count"]["n"] == 1
    for section in (
        "team-workload",
        "overdue-cases",
        "letters-awaiting-approval",
        "escalations",
        "advance-notices-due",
    ):
        assert f'id="{section}"' in html
    assert office["late"].reference in html and office["escalated"].reference in html

    links = assert_every_count_matches_its_list(client, html)
    # The workload table (3 rows of 3, plus the team's totals) and one headline per block.
    assert len(links) == 4 * 3 + 3
    assert (f"/admin/complaints/case/?assigned={ayesha.pk}&work=open", 3) in links


def test_correspondence_officer_lands_on_referrals_letters_and_overdue_platforms(office, zara):
    client = verified_client(zara)
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["ready_to_refer"]["count"]["n"] == 1  # the other referred case has its draft
    assert office["ready"].reference in html and office["drafted"].reference not in html
    assert "Select it in the case list" in html  # one case: "it", not "them"
    assert response.context["to_send"]["count"]["n"] == 1
    overdue = {row["platform"]: row["count"]["n"] for row in response.context["platforms_overdue"]}
    assert overdue == {"X (Twitter)": 1, "Facebook": 2}
    assert 'id="advance-notices-due"' not in html  # a supervisor's block

    links = assert_every_count_matches_its_list(client, html)
    assert len(links) == 3 + 2


def test_caseworker_counts_and_the_unassigned_queue_open_lists_of_that_many(office, ayesha):
    client = verified_client(ayesha)
    assert client.get("/admin/")["Location"] == MY_CASES
    response = client.get(MY_CASES)
    html = response.content.decode()
    assert "Unassigned queue (2)" in html  # NEW and IN_REVIEW: the queue is every open unassigned case

    links = assert_every_count_matches_its_list(client, html)
    assert ("/admin/complaints/case/?work=unassigned", 2) in links
    assert ("/admin/complaints/case/?assigned=me&work=open", 3) in links
    assert ("/admin/complaints/case/?assigned=me&overdue=yes&o=8", 1) in links


def test_the_analyst_still_lands_on_the_dashboard(omar):
    assert verified_client(omar).get("/admin/")["Location"] == "/admin/reports/complaintdaysummary/"


@pytest.mark.parametrize("role", ["ayesha", "sana", "zara", "omar"])
def test_every_role_reaches_the_models_index_and_has_my_work_in_the_navigation(role, request):
    client = verified_client(request.getfixturevalue(role))
    models = client.get("/admin/?models=1")
    assert models.status_code == 200
    html = models.content.decode()
    assert '<a href="/admin/" id="my-work-link">My work</a>' in html
    assert "/admin/complaints/case/" in html  # the list of models, which every role may see


def test_a_bad_assignee_in_the_case_list_is_an_empty_list_not_an_error(sana, office):
    client = verified_client(sana)
    for value in ("99999999999999999999", "١٢", "nobody-at-all"):
        assert client.get("/admin/complaints/case/", {"assigned": value}).status_code == 200
    assert client.get("/admin/complaints/case/", {"assigned": "99999999999999999999"}).context["cl"].result_count == 0


def more_of_everything(ayesha, bilal, sana) -> None:
    """Ten more cases for each caseworker and in the queue, and more letters in every state."""
    now = timezone.now()
    for i in range(10):
        for who in (ayesha, bilal, None):
            case_at(f"more_{who.pk if who else 0}_{i}", assigned_to=who, due_at=now + timedelta(hours=i - 5))
        letter_at(Letter.Status.DRAFT, platform="tiktok")
        letter_at(Letter.Status.APPROVED, platform="youtube", approved_at=now, approved_by=sana)
        letter_at(Letter.Status.SENT, platform="tiktok", date_sent=now, response_due_at=now - timedelta(hours=1))
    case_at("more_referred", status=Case.Status.REFERRED_TO_PLATFORM)


@pytest.mark.parametrize(
    ("role", "url", "most"), [("sana", "/admin/", 15), ("zara", "/admin/", 13), ("ayesha", MY_CASES, 11)]
)
def test_each_landing_page_costs_a_fixed_number_of_queries_however_much_work_there_is(
    office, role, url, most, request, ayesha, bilal, sana, django_assert_max_num_queries
):
    client = verified_client(request.getfixturevalue(role))
    client.get(url)  # the session and permission caches, as on any later visit
    with django_assert_max_num_queries(most), CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    more_of_everything(ayesha, bilal, sana)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
