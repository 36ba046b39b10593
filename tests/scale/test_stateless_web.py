"""Two web hosts behind one load balancer share sessions and rate limits: any host serves any request."""

from __future__ import annotations

from .conftest import Browser


def test_a_rate_limit_counts_across_both_web_hosts(webs):
    # COMPLAINT_RATE_PER_IP is 4/h on these hosts: four POSTs in all, whichever host took them.
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
