"""The citizen's pages (file, confirm, track) and the staff evidence download and thumbnails. Thin:
forms validate, services write, selectors read.

Rate limits count per client IP, which django-ratelimit takes from REMOTE_ADDR. Behind a reverse
proxy that is the proxy's address: set RATELIMIT_IP_META_KEY (see docs/intake.md), or every citizen
shares one bucket. The counters' cache fails open (regulator_portal/ratelimit.py).

Anyone can type anyone's CNIC, so a limit per CNIC that refused filings would let three forged
filings lock a victim out for a day. Filings beyond it are therefore accepted and flagged for staff.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import _get_ip as client_ip
from django_ratelimit.core import is_ratelimited

from regulator_portal.ratelimit import Rate, counters_add

from .evidence import IMAGE_FORMATS, image_thumbnail
from .forms import ComplaintForm, TrackForm, cnic_clean
from .models import Evidence
from .pii import pii_hash
from .selectors import complaint_confirmation, complaint_track_lookup, evidence_for_download, platforms_active
from .services import complaint_submit, evidence_download_record

# The confirmation page learns the reference from a signed cookie that only this browser holds, for
# a few minutes, and only on that page's path: no session row is written per submission.
SUBMITTED_COOKIE = "complaint_submitted"
SUBMITTED_SALT = "complaints.submitted"
SUBMITTED_MAX_AGE = 15 * 60
# Staff read it in the case timeline (English, like the rest of the admin).
CNIC_REVIEW_NOTE = (
    "More complaints than %(rate)s were filed with this CNIC: check that the complainant is who they say they are."
)


def _cnic_key(request: HttpRequest) -> str:
    # Keyed hash: the CNIC itself never reaches the cache. The raw POST's CNIC may be spelled with
    # Urdu digits or spaces; an invalid one never files anything, so its bucket is never kept.
    try:
        return pii_hash(cnic_clean(request.POST.get("cnic", "")))
    except ValidationError:
        return "invalid"


@dataclass(frozen=True)
class _Limits:
    """The form's three counters for one POST, counted up front in one round trip to the cache.

    Every POST counts towards the flood ceiling. The filing counters (per address, per CNIC) are
    taken back when the POST files nothing, so a citizen correcting a form is never punished.
    """

    keys: list[tuple[str, int]]
    posts: int
    filed: int
    cnic_filed: int

    @classmethod
    def count(cls, request: HttpRequest) -> _Limits:
        ip = client_ip(request)
        flood = Rate.parse(settings.COMPLAINT_FLOOD_RATE_PER_IP)
        filed = Rate.parse(settings.COMPLAINT_RATE_PER_IP)
        cnic = Rate.parse(settings.COMPLAINT_RATE_PER_CNIC)
        filing = [
            (filed.window_key(f"complaint-filed:{ip}"), filed.period),
            (cnic.window_key(f"complaint-cnic:{_cnic_key(request)}"), cnic.period),
        ]
        counts = counters_add(
            caches[settings.RATELIMIT_USE_CACHE],
            [(flood.window_key(f"complaint-post:{ip}"), 1, flood.period)] + [(k, 1, ttl) for k, ttl in filing],
        )
        return cls(keys=filing, posts=counts[0], filed=counts[1], cnic_filed=counts[2])

    def flooded(self) -> bool:
        return self.posts > Rate.parse(settings.COMPLAINT_FLOOD_RATE_PER_IP).limit

    def over_filing_limit(self) -> bool:
        return self.filed > Rate.parse(settings.COMPLAINT_RATE_PER_IP).limit

    def cnic_over_limit(self) -> bool:
        return self.cnic_filed > Rate.parse(settings.COMPLAINT_RATE_PER_CNIC).limit

    def nothing_filed(self) -> None:
        counters_add(caches[settings.RATELIMIT_USE_CACHE], [(k, -1, ttl) for k, ttl in self.keys])


# The blank form, rendered once per language and path in each process: the page is the same for
# every citizen but for its CSRF tokens and CSP nonce, which are written in per request. Its ~20
# widgets and their choice lists were the largest single cost of a form + submission.
_BLANK_PAGES: dict[tuple[str, str], tuple[tuple[tuple[int, str], ...], str]] = {}
_CSRF_SLOT = f"csrf-{secrets.token_hex(16)}"
_NONCE_SLOT = f"nonce-{secrets.token_hex(16)}"


class _SlotRequest:
    """The request as the template sees it while the blank page is cached: its nonce is a slot."""

    csp_nonce = _NONCE_SLOT

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def __getattr__(self, name: str) -> object:
        return getattr(self._request, name)


def _blank_form() -> ComplaintForm:
    # The language of the page is the best guess at the language the citizen wants us to write in.
    return ComplaintForm(initial={"preferred_language": get_language()})


def _blank_form_page(request: HttpRequest) -> HttpResponse:
    if settings.DEBUG or request.META.get("QUERY_STRING"):
        return render(request, "complaints/new.html", {"form": _blank_form()})
    key = (get_language(), request.path)
    # The platform list is the page's only content from the database: the platforms this process
    # keeps (selectors.platforms_active) tell whether one was added, renamed or withdrawn since the
    # page was kept. The form (twenty fields copied from the class) is only built when the page has
    # to be rendered.
    platforms = tuple((platform.pk, platform.name) for platform in platforms_active())
    kept = _BLANK_PAGES.get(key)
    if kept is not None and kept[0] == platforms:
        page = kept[1]
    else:
        form = _blank_form()
        context = {"form": form, "csrf_token": _CSRF_SLOT, "request": _SlotRequest(request)}
        page = render_to_string("complaints/new.html", context, request=request)
        _BLANK_PAGES[key] = (platforms, page)
    nonce = str(request.csp_nonce)  # type: ignore[attr-defined] # set by django-csp's middleware
    return HttpResponse(page.replace(_CSRF_SLOT, get_token(request)).replace(_NONCE_SLOT, nonce))


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """RATELIMIT_VIEW: the friendly page, with 429 so clients and proxies know to back off."""
    return render(request, "429.html", status=429)


def _form_refused(request: HttpRequest) -> HttpResponse:
    """Over a limit: 429, but on the form as typed (files cannot be kept), never an empty page."""
    form = ComplaintForm(request.POST)
    form.is_valid()
    form.add_error(
        None,
        f"{gettext('Too many attempts')}: "
        f"{gettext('To protect the service, we limit how often a form can be sent from one connection.')}",
    )
    return render(request, "complaints/new.html", {"form": form, "files_lost": bool(request.FILES)}, status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _blank_form_page(request)
    limits = _Limits.count(request)
    if limits.flooded() or limits.over_filing_limit():
        limits.nothing_filed()
        return _form_refused(request)

    form = ComplaintForm(request.POST, request.FILES)
    if form.is_bot:
        # Bots get a generic refusal that does not say which field gave them away.
        limits.nothing_filed()
        form.is_valid()
        form.add_error(None, gettext("We could not accept this submission. Please check the form and send it again."))
        return render(request, "complaints/new.html", {"form": form, "files_lost": False})
    if not form.is_valid():
        limits.nothing_filed()
        files_lost = bool(request.FILES)
        return render(request, "complaints/new.html", {"form": form, "files_lost": files_lost})
    data = form.complaint_data()
    if limits.cnic_over_limit():
        data = replace(data, review_note=CNIC_REVIEW_NOTE % {"rate": settings.COMPLAINT_RATE_PER_CNIC})
    complaint = complaint_submit(data=data, evidence=form.evidence_uploads())
    # The reference goes in a signed cookie, not the URL: the confirmation page shows only what this
    # browser filed, so a shared or guessed link reveals nothing.
    confirmation = reverse("complaints:submitted")
    response = HttpResponseRedirect(confirmation, status=303)
    response.set_signed_cookie(
        SUBMITTED_COOKIE,
        complaint.reference,
        salt=SUBMITTED_SALT,
        max_age=SUBMITTED_MAX_AGE,
        path=confirmation,
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@never_cache
@require_GET
def complaint_submitted(request: HttpRequest) -> HttpResponse:
    reference = request.get_signed_cookie(
        SUBMITTED_COOKIE, default=None, salt=SUBMITTED_SALT, max_age=SUBMITTED_MAX_AGE
    )
    if not reference:
        return redirect("complaints:new")
    context = {"reference": reference, "confirmation": complaint_confirmation(reference=reference)}
    return render(request, "complaints/submitted.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_track(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "complaints/track.html", {"form": TrackForm()})
    if is_ratelimited(
        request, group="complaint-track", key="ip", rate=settings.TRACK_RATE_PER_IP, method="POST", increment=True
    ):
        return rate_limited(request)
    form = TrackForm(request.POST)
    context: dict[str, object] = {"form": form, "searched": False}
    if form.is_valid():
        context["searched"] = True
        context["track"] = complaint_track_lookup(
            reference=form.cleaned_data["reference"], mobile=form.cleaned_data["mobile"]
        )
    return render(request, "complaints/track.html", context)


def _staff_evidence(request: HttpRequest, evidence_id: int) -> Evidence | HttpResponse:
    """The evidence this member of staff may see (verified by their second factor, with the permission
    and sight of the case), or the response that refuses them."""
    user = request.user
    if not user.is_authenticated or not user.is_staff or not user.is_verified():  # type: ignore[attr-defined]
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not user.has_perm("complaints.view_evidence"):
        raise PermissionDenied
    evidence = evidence_for_download(user=user, evidence_id=evidence_id)
    if evidence is None:
        raise Http404
    return evidence


@never_cache
@require_GET
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse | HttpResponse:
    """The file itself, as an attachment: each download is logged (PiiAccessLog EVIDENCE)."""
    evidence = _staff_evidence(request, evidence_id)
    if isinstance(evidence, HttpResponse):
        return evidence
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    evidence_download_record(evidence=evidence, actor=request.user)  # type: ignore[arg-type]
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@never_cache
@require_GET
def evidence_thumbnail(request: HttpRequest, evidence_id: int) -> HttpResponse:
    """A small re-encoded copy of a picture for the case page, under the same checks as the file.

    Not logged: the case page shows every picture on it, so logging thumbnails would record a
    "download" for every look at a case and drown the real downloads. Opening the file is logged.
    The browser keeps no copy (no-store), so a shared computer holds no complainant's picture.
    """
    evidence = _staff_evidence(request, evidence_id)
    if isinstance(evidence, HttpResponse):
        return evidence
    if evidence.content_type not in IMAGE_FORMATS:
        raise Http404
    try:
        with evidence.file.open("rb") as handle:
            data = image_thumbnail(handle, evidence.content_type)
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404 from exc
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
