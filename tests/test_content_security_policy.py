"""A Content-Security-Policy on every HTML page, and the public pages and the admin work under it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django_otp.oath import totp

from complaints.models import Complaint
from complaints.services import staff_totp_enrol
from tests.conftest import STAFF_PASSWORD
from tests.factories import complaint_create, platform_get

from .cases.conftest import verified_client
from .intake.conftest import png_bytes

REQUIRED = [
    "default-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
]

# Every violation the page reports, kept in the page so a test can read it back.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
    window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber);
});
"""


def directives(header: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_public_and_admin_pages_carry_the_policy_with_no_unsafe_inline(client, sana, x_platform):
    complaint = complaint_create()
    staff = verified_client(sana)
    pages = [
        client.get("/en/complaints/new/"),
        client.get("/ur/complaints/track/"),
        client.get("/admin/login/"),
        staff.get("/admin/complaints/case/"),
        staff.get(f"/admin/complaints/complaint/{complaint.pk}/change/"),
    ]
    for response in pages:
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert all(required in policy for required in REQUIRED), policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        script = directives(policy)["script-src"]
        assert "'nonce-" in script or script == "script-src 'self'"


@pytest.mark.django_db
def test_an_admin_page_with_its_own_styles_nonces_them(sana):
    # My cases keeps a <style> of its own; the lists' styles are in static/css/admin.css.
    response = verified_client(sana).get("/admin/complaints/case/my/")
    nonce = directives(response["Content-Security-Policy"])["style-src"].split("'nonce-")[1].rstrip("'")
    assert f'<style nonce="{nonce}">' in response.content.decode()


def violations_after(page, action) -> list[str]:
    action()
    return page.evaluate("window.__csp")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_form_tracking_and_admin_work_in_chromium_with_no_policy_violation(live_server, desktop_page, sana):
    page = desktop_page
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    platform = platform_get("x")
    seen: dict[str, list[str]] = {}

    page.goto(f"{live_server.url}/en/complaints/new/")
    seen["form"] = page.evaluate("window.__csp")
    page.fill("input[name=full_name]", "Farah Qureshi")
    page.fill("input[name=cnic]", "35202-1234567-2")
    page.fill("input[name=mobile]", "0300 1234567")
    page.select_option("select[name=province]", "PK-PB")
    page.fill("input[name=city]", "Lahore")
    page.check("input[name=preferred_language][value=en]")
    page.select_option("select[name=platform]", str(platform.pk))
    page.fill("input[name=account_handle]", "@KashmirVoice")
    page.select_option("select[name=action_type]", "ACCOUNT_SUSPENDED")
    page.fill("input[name=action_date]", "2026-11-20")
    page.check("input[name=appealed_to_platform][value=no]")
    page.select_option("select[name=category]", "KASHMIR_SOLIDARITY")
    page.fill("textarea[name=narrative]", "My account was suspended after I posted about Kashmir Solidarity Day.")
    page.set_input_files(
        "input[name=evidence]", files=[{"name": "screenshot.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.check("input[name=declaration]")
    page.get_by_role("button", name="Send my complaint").click()
    page.wait_for_url("**/complaints/new/sent/")
    seen["sent"] = page.evaluate("window.__csp")
    reference = page.locator("#reference").inner_text().strip()
    filed = Complaint.objects.get(reference=reference)

    page.goto(f"{live_server.url}/en/complaints/track/")
    page.fill("input[name=reference]", reference)
    page.fill("input[name=mobile]", "0300 1234567")
    page.get_by_role("button", name="Show the status").click()
    page.wait_for_selector('[data-testid="track-status"]')
    seen["tracking"] = page.evaluate("window.__csp")

    device = staff_totp_enrol(user=sana)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "sana")
    page.fill("#id_password", STAFF_PASSWORD)
    page.fill("#id_otp_token", f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    page.click("#login-form input[type=submit]")
    page.wait_for_url("**/admin/**")
    for name, path in [
        ("cases", "/admin/complaints/case/"),
        ("my cases", "/admin/complaints/case/my/"),
        ("complaints", "/admin/complaints/complaint/"),
        ("complaint", f"/admin/complaints/complaint/{filed.pk}/change/"),
        ("case", f"/admin/complaints/case/{filed.case_id}/change/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        seen[name] = page.evaluate("window.__csp")
    # The admin's own JavaScript runs: the action bar's "select all" ticks every row.
    page.goto(f"{live_server.url}/admin/complaints/complaint/")
    page.check("#action-toggle")
    assert page.locator("input.action-select:checked").count() == page.locator("input.action-select").count() >= 1
    # And our nonced <style> applies: a case reference never wraps.
    page.goto(f"{live_server.url}/admin/complaints/case/")
    assert page.eval_on_selector(".field-reference", "e => getComputedStyle(e).whiteSpace") == "nowrap"
    seen["after clicks"] = page.evaluate("window.__csp")

    assert {name: found for name, found in seen.items() if found} == {}
    assert [text for text in console if "Content Security Policy" in text] == []


def test_every_inline_style_and_script_in_a_served_template_carries_the_request_nonce():
    # Without the nonce the browser drops the block under this policy, silently: a page loses its
    # styling (and an axe check its contrast) only in a real browser. The PDF template is rendered
    # for WeasyPrint, never served.
    root = Path(__file__).resolve().parent.parent / "templates"
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.html")
        if path.name != "report_pdf.html"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"<(style|script)\b", line) and "csp_nonce" not in line
    ]
    assert offenders == []


def test_no_served_template_uses_a_style_attribute_the_policy_would_drop():
    root = Path(__file__).resolve().parent.parent / "templates"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if path.name != "report_pdf.html" and re.search(r"\sstyle=", path.read_text())
    ]
    assert offenders == []
