"""The changelists make a constant number of queries, whatever the page holds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Case
from tests.factories import complaint_create

from .conftest import verified_client

pytestmark = pytest.mark.django_db
# 12 for the case page, plus one for the advance notices about its account (notices adds that inline).
MAX_QUERIES = 13


@pytest.fixture
def many(ayesha, bilal):
    for i in range(30):
        complaint_create(platform_slug="x" if i % 2 else "facebook", account_handle=f"handle{i % 20}")
    case = Case.objects.order_by("pk").first()
    assert case is not None
    return case


@pytest.mark.parametrize(
    "url",
    [
        "/admin/complaints/case/",
        "/admin/complaints/case/?status__exact=NEW",
        "/admin/complaints/case/?overdue=yes&priority__exact=ROUTINE",
        "/admin/complaints/case/?assigned=me&category=KASHMIR_SOLIDARITY&province=PK-PB",
        "/admin/complaints/case/?q=handle1",
        "/admin/complaints/case/?q=0300-0000001",
        "/admin/complaints/complaint/",
        "/admin/complaints/complaint/?platform__id__exact=1&status__exact=RECEIVED",
        "/admin/complaints/complaint/?q=35202-0000001-2",
    ],
)
def test_supervisor_changelists_stay_within_the_query_budget(sana, many, url, django_assert_max_num_queries):
    client = verified_client(sana)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(url).status_code == 200


def test_caseworker_changelist_stays_within_the_query_budget(ayesha, many, django_assert_max_num_queries):
    client = verified_client(ayesha)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get("/admin/complaints/case/").status_code == 200


def test_case_page_stays_within_the_query_budget(sana, many, django_assert_max_num_queries):
    client = verified_client(sana)
    url = f"/admin/complaints/case/{many.pk}/change/"
    client.get(url)  # the content-type cache is per process: warm, as it is in production
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(url).status_code == 200


def test_query_count_does_not_grow_with_the_page(sana, many):
    client = verified_client(sana)
    client.get("/admin/complaints/case/")  # warm the per-session caches
    with CaptureQueriesContext(connection) as small:
        client.get("/admin/complaints/case/?status__exact=CLOSED")
    with CaptureQueriesContext(connection) as full:
        client.get("/admin/complaints/case/")
    assert len(full) == len(small)
