"""Two web hosts behind one load balancer share sessions, rate limits and the cache: any host serves any request."""

from __future__ import annotations

import re

from .conftest import Browser, complaint_post, psql, wait_for


def test_a_rate_limit_counts_across_both_web_hosts(webs):
    # COMPLAINT_FLOOD_RATE_PER_IP (every POST, filed or not) is 4/h on these hosts: four POSTs in all,
    # whichever host took them.
    browser = Browser()
    token = browser.csrf_token(f"{webs[0].url}/en/complaints/new/")
    statuses = []
    for i in range(6):
        web = webs[i % 2]
        response = browser.post(f"{web.url}/en/complaints/new/", data={"csrfmiddlewaretoken": token})
        statuses.append(response.status_code)
    # An empty form is shown again (200) until the shared count passes four; then both refuse.
    assert statuses == [200, 200, 200, 200, 429, 429], statuses


def test_a_staff_session_opened_on_one_host_works_on_the_other(webs, seed):
    staff = Browser()
    staff.staff_login(webs[0].url, seed, 2)
    page = staff.get(f"{webs[1].url}/admin/")
    assert page.status_code == 200, page.status_code
    assert "Log out" in page.text
    # And signing out on the second host ends it on the first.
    token = staff.csrf_token(f"{webs[1].url}/admin/")
    assert staff.post(f"{webs[1].url}/admin/logout/", data={"csrfmiddlewaretoken": token}).status_code == 200
    assert staff.get(f"{webs[0].url}/admin/").status_code == 302


def backlog_total(page: str) -> int:
    """Open cases on the dashboard: the sum of its backlog table (one row per assignee)."""
    table = re.search(r'<table class="backlog">(.*?)</table>', page, re.S)
    assert table, page[:3000]
    return sum(int(n) for n in re.findall(r'<tr><th scope="row">[^<]*</th><td>(\d+)</td>', table.group(1)))


def test_the_dashboard_cache_filled_on_one_host_serves_the_other(webs, seed, primary, standby):
    open_cases = "SELECT count(*) FROM complaints_case WHERE status <> 'CLOSED'"
    dashboard = "/admin/reports/complaintdaysummary/"
    assert complaint_post(Browser(), webs[0].url, seed, handle="@firstvoice").status_code == 303
    wait_for(
        lambda: psql(standby.port, open_cases) == psql(primary.port, open_cases),
        timeout=20,
        what="replication of the first case",
    )
    staff = Browser()
    staff.staff_login(webs[0].url, seed, 3)
    first = staff.get(f"{webs[0].url}{dashboard}")
    assert first.status_code == 200, first.status_code
    cached = backlog_total(first.text)
    assert cached == int(psql(standby.port, open_cases)) >= 1, first.text

    assert complaint_post(Browser(), webs[1].url, seed, handle="@cachedvoice").status_code == 303
    wait_for(
        lambda: psql(standby.port, open_cases) == psql(primary.port, open_cases),
        timeout=20,
        what="replication of the new case",
    )
    assert int(psql(standby.port, open_cases)) > cached

    # The other host answers from the figures the first one cached in Redis, not from the database.
    second = staff.get(f"{webs[1].url}{dashboard}")
    assert second.status_code == 200
    assert backlog_total(second.text) == cached
