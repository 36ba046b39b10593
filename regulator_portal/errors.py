"""Error pages (handler400/403/404/500 and the CSRF failure view): translated, and unable to fail.

An error page runs when something already went wrong, often with the very request that caused it (a
body in an encoding Django refuses, a broken session, a database that is down). Each page is tried
with the request's context, then without it, and in the end as fixed text; none of them reads the
request body.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from .context_processors import regulator

logger = logging.getLogger(__name__)

TEMPLATE = "error.html"
PAGES = {
    400: (
        _("The request could not be read"),
        _("Your browser sent something we could not read. Go back, reload the page and try again."),
    ),
    403: (
        _("Not allowed"),
        _("This page cannot be opened from here. If you were sending a form, reload the page and send it again."),
    ),
    404: (
        _("Page not found"),
        _("There is no page at this address. Check the link, or use the links at the top of the page."),
    ),
    500: (
        _("Something went wrong"),
        _(
            "The fault is ours. Please try again in a few minutes. If you already received a reference, "
            "your complaint is filed and you do not need to send it again."
        ),
    ),
}
LAST_RESORT = {
    400: "Bad request. / درخواست پڑھی نہیں جا سکی۔",
    403: "Forbidden. / اجازت نہیں۔",
    404: "Not found. / یہ صفحہ موجود نہیں۔",
    500: "Server error. Please try again later. / سرور میں خرابی۔ کچھ دیر بعد دوبارہ کوشش کریں۔",
}


def _error_page(request: HttpRequest | None, status: int) -> HttpResponse:
    title, message = PAGES[status]
    page = {"title": title, "message": message}
    if request is not None:
        try:
            return render(request, TEMPLATE, page, status=status)
        except Exception as exc:  # the page must come out whatever is broken
            logger.warning("error page %s could not use the request: %s", status, type(exc).__name__)
    try:
        # Only the regulator's name from the context processors: it needs nothing but settings.
        context = {**regulator(request), **page}  # type: ignore[arg-type]
        return HttpResponse(render_to_string(TEMPLATE, context), status=status)
    except Exception as exc:  # as above
        logger.error("error page %s could not be rendered: %s", status, type(exc).__name__)
    return HttpResponse(LAST_RESORT[status], status=status, content_type="text/plain; charset=utf-8")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: usually a form left open past the session's life; the 403 page says to reload."""
    return _error_page(request, 403)


def server_error(request: HttpRequest) -> HttpResponse:
    # Without the request's context: the database or the session may be what failed.
    return _error_page(None, 500)
