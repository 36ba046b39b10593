"""The served OpenAPI schema, fuzzed with schemathesis against the live server; the self-hosted docs page."""

from __future__ import annotations

import re

import pytest
import requests

from bench.api_fuzz import fuzz

from .conftest import cases_in_review

pytestmark = pytest.mark.django_db(transaction=True)


def test_schemathesis_finds_no_5xx_and_no_schema_violation(live_server, x_token, settings, send_letter):
    settings.API_RATE_PER_TOKEN = "100000/min"
    send_letter(cases_in_review("x", ["kashmir_voice"]))
    counts = fuzz(base_url=live_server.url, token=x_token, examples=22, seed=1)
    assert counts.requests >= 180
    assert (counts.server_errors, counts.schema_violations) == (0, 0), "\n\n".join(counts.examples)


def test_the_docs_page_loads_its_scripts_from_our_own_static_files(live_server):
    page = requests.get(f"{live_server.url}/api/v1/docs/", timeout=10)
    assert page.status_code == 200
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    # No inline script (a CSP of script-src 'self' allows none) and nothing from another host.
    assert "<style" not in page.text
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]
    for source in sources:
        assert requests.get(f"{live_server.url}{source}", timeout=10).status_code == 200, source
    schema = requests.get(f"{live_server.url}/api/v1/schema/", timeout=10)
    assert schema.status_code == 200 and "/api/v1/advance-notices/" in schema.text


# The policy django-csp will send (docs/security/api.md); added here to the docs page's own response.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@pytest.mark.browser
def test_swagger_ui_renders_the_api_under_a_script_src_self_policy(live_server, desktop_page):
    violations: list[str] = []
    desktop_page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    def with_csp(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    desktop_page.route(f"{live_server.url}/**", with_csp)
    desktop_page.goto(f"{live_server.url}/api/v1/docs/")
    desktop_page.get_by_text("/api/v1/advance-notices/{id}/final-action/").first.wait_for()
    assert violations == []
