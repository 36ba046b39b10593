"""The citizen's pages in Chromium, as fresh visitors whose phones speak the other language: the switch,
the empty form, the tracking result, axe-core, and phone screenshots (var/screenshots/) to look at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from complaints.models import Case, Complaint
from complaints.services import case_transition, complaint_accept
from tests.browser import PHONE, axe_serious
from tests.factories import complaint_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
# Nastaliq needs about twice its size between lines; at the Latin 1.3 the heading's lines overlap.
LINE_HEIGHT_RATIO = "(e) => parseFloat(getComputedStyle(e).lineHeight) / parseFloat(getComputedStyle(e).fontSize)"


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def fresh_phone(chromium) -> Iterator:
    """A new phone browser for a locale and with or without JavaScript: fresh cookies each time."""
    contexts = []

    def open_page(*, locale: str, javascript: bool = True):
        context = chromium.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale=locale, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize(
    ("locale", "start", "button", "landing", "language"),
    [
        ("en-US", "/ur/complaints/new/", "English", "/en/complaints/new/", "en"),
        ("ur-PK", "/en/complaints/new/", "اردو", "/ur/complaints/new/", "ur"),
        ("en-US", "/ur/complaints/track/", "English", "/en/complaints/track/", "en"),
        ("ur-PK", "/en/complaints/track/", "اردو", "/ur/complaints/track/", "ur"),
    ],
)
def test_the_language_switch_works_for_a_browser_in_the_other_language(
    live_server, fresh_phone, x_platform, locale, start, button, landing, language, javascript
):
    page = fresh_phone(locale=locale, javascript=javascript)
    page.goto(f"{live_server.url}{start}")
    assert page.get_attribute("html", "lang") != language

    page.get_by_role("button", name=button).click()

    page.wait_for_url(f"{live_server.url}{landing}")
    assert page.get_attribute("html", "lang") == language
    # And back again, now that the cookie says the other language.
    back = "اردو" if language == "en" else "English"
    page.get_by_role("button", name=back).click()
    page.wait_for_url(f"{live_server.url}{start}")


@pytest.mark.parametrize(
    ("language", "labels", "choose"),
    [
        ("en", ["Province or territory", "What did the platform do?", "What was the content about?"], "Choose…"),
        ("ur", ["صوبہ یا علاقہ", "پلیٹ فارم نے کیا کارروائی کی؟", "مواد کس بارے میں تھا؟"], "منتخب کریں…"),
    ],
)
def test_the_empty_form_asks_for_province_category_and_action(
    live_server, fresh_phone, x_platform, language, labels, choose
):
    page = fresh_phone(locale="en-US" if language == "en" else "ur-PK")
    page.goto(f"{live_server.url}/{language}/complaints/new/")
    for name in ("province", "action_type", "category"):
        assert page.locator(f"select[name={name}] option:checked").inner_text() == choose

    page.fill("input[name=full_name]", "Farah Qureshi")
    page.locator("main form button.button").click()

    summary = page.locator("#error-summary").inner_text()
    for name, label in zip(("province", "action_type", "category"), labels, strict=True):
        assert label in summary, label
        assert page.locator(f"select[name={name}]").evaluate("e => e.closest('.field').classList.contains('has-error')")
        assert page.locator(f"select[name={name}] option:checked").inner_text() == choose
    assert page.input_value("input[name=full_name]") == "Farah Qureshi"


def _closed_restored(actor) -> Complaint:
    complaint = complaint_create(mobile="+923001234567", account_handle="@KashmirVoice")
    complaint_accept(complaint=complaint, actor=actor)
    case = case_transition(case=complaint.case, to=Case.Status.IN_REVIEW, actor=actor)
    case = case_transition(case=case, to=Case.Status.REFERRED_TO_PLATFORM, actor=actor)
    case = case_transition(case=case, to=Case.Status.AWAITING_PLATFORM, actor=actor)
    case_transition(
        case=case,
        to=Case.Status.CLOSED,
        actor=actor,
        outcome=Case.Outcome.REINSTATED,
        responded_at=timezone.make_aware(datetime(2026, 12, 3, 11, 0)),
    )
    return complaint


@pytest.mark.parametrize(
    ("language", "outcome", "button"),
    [
        ("en", "The platform restored the account on 3 December 2026.", "Show the status"),
        ("ur", "پلیٹ فارم نے 3 دسمبر 2026 کو اکاؤنٹ بحال کر دیا۔", "صورتحال دکھائیں"),
    ],
)
def test_tracking_a_restored_account_shows_the_outcome(live_server, fresh_phone, sana, language, outcome, button):
    complaint = _closed_restored(sana)
    page = fresh_phone(locale="ur-PK" if language == "ur" else "en-US")
    page.goto(f"{live_server.url}/{language}/complaints/track/")
    page.fill("input[name=reference]", complaint.reference)
    page.fill("input[name=mobile]", "0300 1234567")
    page.get_by_role("button", name=button).click()

    assert outcome in page.get_by_test_id("track-outcome").inner_text()
    assert page.get_by_test_id("track-next").is_visible()
    assert page.locator("#track-status").count() == 1
    assert axe_serious(page) == []
    if language == "ur":
        screenshot(page, "citizen-track-ur-phone")


def test_the_public_pages_pass_axe_and_urdu_screenshots(live_server, fresh_phone, x_platform):
    for language in ("ur", "en"):
        page = fresh_phone(locale="en-US")
        page.goto(f"{live_server.url}/{language}/complaints/new/")
        assert axe_serious(page) == [], (language, "form")
        if language == "ur":
            assert page.locator("h1").evaluate(LINE_HEIGHT_RATIO) >= 1.9
            # The bundled font, served from static/ (a system font gives no FontFace here).
            loaded = page.evaluate(
                """async () => (await document.fonts.load('700 1em "Noto Nastaliq Urdu"', 'اردو')).map(f => f.family)"""
            )
            assert loaded == ["Noto Nastaliq Urdu"]
            screenshot(page, "citizen-form-ur-phone")
        page.locator("main form button.button").click()
        page.wait_for_selector("#error-summary")
        assert axe_serious(page) == [], (language, "form errors")
        if language == "ur":
            screenshot(page, "citizen-form-errors-ur-phone")

        page.fill("input[name=full_name]", "فرح قریشی" if language == "ur" else "Farah Qureshi")
        page.fill("input[name=cnic]", "35202-1234567-2")
        page.fill("input[name=mobile]", "0300 1234567")
        page.fill("input[name=email]", "farah@example.pk")
        page.select_option("select[name=province]", "PK-JK")
        page.fill("input[name=city]", "Muzaffarabad")
        page.select_option("select[name=platform]", str(x_platform.pk))
        page.fill("input[name=account_handle]", "https://x.com/KashmirVoice")
        page.select_option("select[name=action_type]", "ACCOUNT_SUSPENDED")
        page.fill("input[name=action_date]", "2026-11-20")
        page.check("input[name=appealed_to_platform][value=no]")
        page.select_option("select[name=category]", "POLITICAL_SPEECH")
        page.fill("textarea[name=narrative]", "My account was suspended the day after I posted about the rally.")
        page.check("input[name=declaration]")
        page.locator("main form button.button").click()
        page.wait_for_url(f"**/{language}/complaints/new/sent/")
        assert "f***@***.pk" in page.get_by_test_id("sent-to").inner_text()
        assert axe_serious(page) == [], (language, "confirmation")
        if language == "ur":
            screenshot(page, "citizen-confirmation-ur-phone")

        page.goto(f"{live_server.url}/{language}/complaints/track/")
        assert axe_serious(page) == [], (language, "track")
        page.goto(f"{live_server.url}/{language}/complaints/nowhere/")
        assert axe_serious(page) == [], (language, "not found")
