"""Account handles as citizens type them: one form per account for matching, one for display.

"@ImranKhanPTI", "imrankhanpti" and "https://x.com/ImranKhanPTI/status/1" are the same X account.
handle_normalize gives the matching form; handle_display the form people read ("@ImranKhanPTI"),
wherever a handle is shown: messages, the admin, letters to platforms.
"""

import re
from urllib.parse import parse_qs, urlsplit

from django.utils.translation import gettext as _

from .models import Platform

HANDLE_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
# Path segments that come before the handle itself on some platforms' profile URLs.
PATH_PREFIXES = {"c", "user", "channel", "people", "pg", "profile", "u"}
# YouTube channel IDs are case-sensitive; everything else is matched case-insensitively.
CASE_SENSITIVE_PREFIXES = {"channel"}


class InvalidHandle(ValueError):
    pass


def handle_normalize(platform: Platform, raw: str) -> str:
    """The handle in its matching form, from a handle or a profile URL; raises InvalidHandle."""
    value = raw.strip()
    if not value:
        raise InvalidHandle(_("Enter the account's handle or profile link."))
    if "/" in value or value.lower().startswith(("http:", "https:", "www.")):
        value = _handle_from_url(platform, value)
    handle = value.lstrip("@")
    if not HANDLE_RE.match(handle):
        raise InvalidHandle(_("A handle has only letters, numbers, dots, dashes and underscores."))
    return handle if value.startswith("UC") and platform.slug == "youtube" else handle.lower()


def handle_name(raw: str) -> str:
    """The account name a typed handle or profile link names, as typed, without "@".

    Works for any platform (no host check: the form checked that when the handle was filed), so it
    can show handles stored before the form normalised them. Text that names no account is returned
    trimmed, so nothing a citizen typed is hidden from staff.
    """
    value = raw.strip()
    if "/" in value or value.lower().startswith(("http:", "https:", "www.")):
        value = _name_from_url(value) or value
    return value.lstrip("@").strip()


def handle_display(raw: str) -> str:
    """The handle as people read it: "@name", prefixed once, from a handle or a profile link."""
    name = handle_name(raw)
    if not name:
        return ""
    return name if "/" in name else f"@{name}"


def _name_from_url(value: str) -> str:
    if "://" not in value:
        value = "https://" + value
    try:
        # Only the path and query are read; a malformed host ("http://[") fails here already.
        parts = urlsplit(value)
    except ValueError:
        return ""
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[0] == "profile.php":
        return parse_qs(parts.query).get("id", [""])[0]
    if segments and segments[0].lower() in PATH_PREFIXES and len(segments) > 1:
        segments = segments[1:]
    name = segments[0].lstrip("@") if segments else ""
    return name if HANDLE_RE.match(name) else ""


def _not_a_profile(platform: Platform) -> InvalidHandle:
    return InvalidHandle(
        _("This link is not a %(platform)s profile. Use a link on %(hosts)s.")
        % {"platform": platform.name, "hosts": ", ".join(platform.hosts)}
    )


def _handle_from_url(platform: Platform, value: str) -> str:
    if "://" not in value:
        value = "https://" + value
    try:
        # urlsplit raises ValueError on a bad IPv6 literal ("http://[") and .hostname/.port on more;
        # every such link is simply not a profile link.
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError as exc:
        raise _not_a_profile(platform) from exc
    host = (hostname or "").lower().removeprefix("www.").removeprefix("m.").removeprefix("mobile.")
    if platform.hosts and host not in platform.hosts:
        raise _not_a_profile(platform)
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[0] == "profile.php":
        ids = parse_qs(parts.query).get("id", [])
        if ids:
            return ids[0]
    if segments and segments[0].lower() in PATH_PREFIXES and len(segments) > 1:
        if segments[0].lower() in CASE_SENSITIVE_PREFIXES:
            return segments[1]
        segments = segments[1:]
    if not segments:
        raise InvalidHandle(_("The link does not include the account's name."))
    return segments[0]
