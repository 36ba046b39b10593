"""Tags for the citizen's pages."""

import re

from django import template
from django.http import HttpRequest
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def page_in_language(context: template.Context, language: str) -> str:
    """This page's path (with its query) under the other language's prefix.

    The switch posts it as ``next`` to set_language, which would otherwise translate the path itself
    in the language of the *browser*: resolving /ur/... fails while English is active, and the
    visitor was sent back to the Urdu page. Computed here, in the page's own language, it resolves.
    """
    request: HttpRequest | None = context.get("request")
    path = request.get_full_path() if request is not None else ""
    translated = translate_url(path, language) if path else path
    if translated and translated != path:
        return translated
    # A page without a URL of its own in that language (an error page): that language's home.
    with translation.override(language):
        return reverse("home")


# A number a citizen copies: CNIC 35202-1234567-1, mobile +92 300 1234567, reference PTA-2026-000123,
# date 2026-08-05; with the isolates (U+2066…U+2069) the Urdu catalogue puts around them.
LTR_VALUE = re.compile(r"([\u2066]?(?:[A-Z]{2,5}-(?:[A-Z]{1,2}-)?)?\+?\d[\d-]*(?: \d[\d-]*)*[\u2069]?)")


@register.filter
def values_whole(text: object) -> SafeString:
    """The text, escaped, with each such number in a left-to-right span that does not wrap: a line
    break inside one, at a dash, splits the number across lines and reverses its parts in Urdu."""
    parts = LTR_VALUE.split(str(text))
    return mark_safe(  # noqa: S308 - every part is escaped, here or by format_html
        "".join(
            format_html('<bdi dir="ltr" class="nowrap">{}</bdi>', part) if i % 2 else escape(part)
            for i, part in enumerate(parts)
        )
    )
