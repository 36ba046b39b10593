"""The public statistics page and the open data: small counts withheld, also where subtraction would
give them away; no PII; Urdu; cached."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from complaints.models import Case, Complaint
from reports.definitions import SCORECARD
from reports.public import COLUMNS
from reports.services import summary_refresh, summary_refresh_recent
from reports.suppression import Rules, suppressed_keys
from tests.factories import complaint_create

pytestmark = pytest.mark.django_db
OUTCOMES = [f"closed_{o.lower()}" for o in Case.Outcome.values]
PARTITION = Rules(partitions=[("total", ["a", "b", "c"])])


# --- The rules ------------------------------------------------------------------------------------


def test_a_count_from_one_to_four_is_withheld_and_zero_and_five_are_not():
    rules = Rules(counts=["zero", "one", "four", "five"])
    assert suppressed_keys({"zero": 0, "one": 1, "four": 4, "five": 5}, rules) == {"one", "four"}


def test_a_lone_small_cell_in_a_total_is_protected_by_withholding_a_second_cell():
    # total 20 = 3 + 7 + 10: with 3 hidden alone, 20 - 7 - 10 gives it back; 7 goes too.
    assert suppressed_keys({"total": 20, "a": 3, "b": 7, "c": 10}, PARTITION) == {"a", "b"}


def test_when_no_other_part_can_hide_it_the_total_is_withheld():
    assert suppressed_keys({"total": 3, "a": 3, "b": 0, "c": 0}, PARTITION) == {"a", "total"}
    assert suppressed_keys({"total": 9, "a": 2, "b": 7, "c": 0}, PARTITION) == {"a", "b"}


def test_a_rate_is_withheld_when_its_counts_or_their_difference_are_small():
    rules = Rules(rates=[("rate", "num", "den")])
    assert suppressed_keys({"rate": 0.3, "num": 3, "den": 10}, rules) == {"rate"}
    assert suppressed_keys({"rate": 0.8, "num": 8, "den": 10}, rules) == {"rate"}  # 2 not restored
    assert suppressed_keys({"rate": 0.5, "num": 2, "den": 4}, rules) == {"rate"}
    assert suppressed_keys({"rate": 0.5, "num": 5, "den": 10}, rules) == set()
    assert suppressed_keys({"rate": 1.0, "num": 10, "den": 10}, rules) == set()


@given(st.lists(st.integers(min_value=0, max_value=30), min_size=3, max_size=3))
def test_no_withheld_cell_of_a_total_can_be_recovered_by_subtraction(parts):
    values = {"total": sum(parts), "a": parts[0], "b": parts[1], "c": parts[2]}
    hidden = suppressed_keys(values, PARTITION)
    assert all(k in hidden for k, v in values.items() if 0 < v < 5)
    cells = ["total", "a", "b", "c"]
    # Never exactly one unknown in the equation total = a + b + c.
    assert len([c for c in cells if c in hidden]) != 1


# --- The page and the files -----------------------------------------------------------------------


@pytest.fixture
def last_month_world(x_platform, facebook_platform):
    """Last month on X: 12 complaints, 10 cases closed (7 restored, 3 upheld). Facebook: 3 complaints."""
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    x = [complaint_create(account_handle=f"voice_{i}", email="", full_name="Farah Qureshi") for i in range(12)]
    fb = [complaint_create(platform_slug="facebook", account_handle=f"fb_{i}") for i in range(3)]
    closed_at = timezone.make_aware(timezone.datetime.combine(last_month.replace(day=10), timezone.datetime.min.time()))
    for i, complaint in enumerate(x[:10]):
        outcome = Case.Outcome.REINSTATED if i < 7 else Case.Outcome.RESTRICTION_UPHELD
        closed = Case.objects.filter(pk=complaint.case_id)
        closed.update(status=Case.Status.CLOSED, outcome=outcome, closed_at=closed_at)
    Complaint.objects.filter(pk__in=[c.pk for c in x + fb]).update(received_at=closed_at)
    summary_refresh(start=last_month, end=timezone.localdate())
    return f"{last_month:%Y-%m}"


def test_open_data_csv_withholds_small_counts_and_what_would_reveal_them(client, last_month_world):
    response = client.get("/en/statistics/data.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == ["platform", "month", *COLUMNS]
    by_key = {(r["platform"], r["month"]): r for r in rows}
    x = by_key[("x", last_month_world)]
    assert x["complaints_received"] == "12" and x["cases_closed"] == "10"
    # 3 upheld is small; 10 - 7 would give it back, so "restored" is withheld with it.
    assert x["closed_restriction_upheld"] == "<5" and x["closed_reinstated"] == "<5"
    assert x["closed_withdrawn"] == "0"
    assert by_key[("facebook", last_month_world)]["complaints_received"] == "<5"
    assert x["reply_rate"] == ""  # no letters: not applicable, which is not the same as withheld


def test_open_data_json_has_null_for_a_withheld_count(client, last_month_world):
    data = json.loads(client.get("/en/statistics/data.json").content)
    assert data["columns"] == ["platform", "month", *COLUMNS] and data["suppressed_below"] == 5
    by_key = {(r["platform"], r["month"]): r for r in data["rows"]}
    assert by_key[("x", last_month_world)]["complaints_received"] == 12
    assert by_key[("x", last_month_world)]["closed_reinstated"] is None
    assert by_key[("facebook", last_month_world)]["complaints_received"] is None
    assert len(data["rows"]) == 2 * 24  # every platform and month, zeros included


def test_the_statistics_page_in_urdu_is_rtl_withholds_small_counts_and_shows_no_pii(client, last_month_world):
    response = client.get(f"/ur/statistics/?month={last_month_world}")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ur" dir="rtl">' in html
    assert "&lt;5" in html and "<dd>12</dd>" in html
    assert "Farah" not in html and "voice_0" not in html and "+92" not in html
    assert "شماریات" in html  # "Statistics", translated


def test_the_urdu_page_defines_every_figure_in_urdu_the_advance_notice_ones_too(client, last_month_world):
    html = client.get(f"/ur/statistics/?month={last_month_world}").content.decode()
    definitions = re.findall(r'<dt id="def-([a-z_]+)">[^<]*</dt><dd>([^<]*)</dd>', html)
    assert len(definitions) == 2 + len(SCORECARD)
    for key, text in definitions:
        assert not re.search(r"[A-Za-z]{4,}", text.replace("CSV", "").replace("JSON", "")), (key, text)
    by_key = dict(definitions)
    assert by_key["notices_received"].startswith("مدت کے دوران پلیٹ فارم سے موصول ہونے والے پیشگی نوٹس")
    assert "پیشگی نوٹس دینے پر اتفاق" in by_key["suspensions_without_notice"]


def test_an_unknown_month_gets_a_message_not_a_500(client, x_platform):
    for month in ["2019-13", "nonsense", "1999-01", "2026-1-1"]:
        response = client.get(f"/en/statistics/?month={month}")
        assert response.status_code == 400
        assert "Choose one of the months in the list." in response.content.decode()


def test_the_published_figures_are_cached(client, x_platform, django_assert_max_num_queries):
    complaint_create(account_handle="one")
    summary_refresh_recent()
    client.get("/en/statistics/")
    with django_assert_max_num_queries(0):
        assert client.get("/en/statistics/data.json").status_code == 200
