"""The citizen's pages (file, confirm, track) and the staff evidence download and thumbnails. Thin:
forms validate, services write, selectors read.

Rate limits count per client IP, which django-ratelimit takes from REMOTE_ADDR. Behind a reverse
proxy that is the proxy's address: set RATELIMIT_IP_META_KEY (see docs/intake.md), or every citizen
shares one bucket. The counters' cache fails open (regulator_portal/ratelimit.py).

Anyone can type anyone's CNIC, so a limit per CNIC that refused filings would let three forged
filings lock a victim out for a day. Filings beyond it are therefore accepted and flagged for staff.
"""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import get_usage, is_ratelimited

from .evidence import IMAGE_FORMATS, image_thumbnail
from .forms import ComplaintForm, TrackForm, cnic_clean
from .models import Evidence
from .pii import pii_hash
from .selectors import complaint_confirmation, complaint_track_lookup, evidence_for_download
from .services import complaint_submit, evidence_download_record

SESSION_REFERENCE = "complaints.submitted_reference"
# Staff read it in the case timeline (English, like the rest of the admin).
CNIC_REVIEW_NOTE = (
    "More complaints than %(rate)s were filed with this CNIC: check that the complainant is who they say they are."
)


def _cnic_key(group: str, request: HttpRequest) -> str:
    # Keyed hash: the CNIC itself never reaches the cache. Only valid forms are counted, but the key
    # reads the raw POST, whose CNIC may be spelled with Urdu digits or spaces.
    try:
        return pii_hash(cnic_clean(request.POST.get("cnic", "")))
    except ValidationError:
        return "invalid"


def _cnic_over_limit(request: HttpRequest) -> bool:
    usage = get_usage(request, group="complaint-cnic", key=_cnic_key, rate=settings.COMPLAINT_RATE_PER_CNIC)
    return usage is not None and usage["count"] >= usage["limit"]


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """RATELIMIT_VIEW: the friendly page, with 429 so clients and proxies know to back off."""
    return render(request, "429.html", status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        # The language of the page is the best guess at the language the citizen wants us to write in.
        form = ComplaintForm(initial={"preferred_language": get_language()})
        return render(request, "complaints/new.html", {"form": form})
    # Every POST from an address counts: an address cannot be forged over TCP.
    if is_ratelimited(
        request, group="complaint-ip", key="ip", rate=settings.COMPLAINT_RATE_PER_IP, method="POST", increment=True
    ):
        return rate_limited(request)

    form = ComplaintForm(request.POST, request.FILES)
    if form.is_bot:
        # Bots get a generic refusal that does not say which field gave them away.
        form.is_valid()
        form.add_error(None, gettext("We could not accept this submission. Please check the form and send it again."))
        return render(request, "complaints/new.html", {"form": form, "files_lost": False})
    if not form.is_valid():
        files_lost = bool(request.FILES)
        return render(request, "complaints/new.html", {"form": form, "files_lost": files_lost})
    data = form.complaint_data()
    if _cnic_over_limit(request):
        data = replace(data, review_note=CNIC_REVIEW_NOTE % {"rate": settings.COMPLAINT_RATE_PER_CNIC})
    complaint = complaint_submit(data=data, evidence=form.evidence_uploads())
    # Only complaints actually filed count against a CNIC, so typing mistakes do not add up.
    get_usage(request, group="complaint-cnic", key=_cnic_key, rate=settings.COMPLAINT_RATE_PER_CNIC, increment=True)
    # The reference goes through the session, not the URL: the confirmation page shows only what
    # this browser filed, so a shared or guessed link reveals nothing.
    request.session[SESSION_REFERENCE] = complaint.reference
    return HttpResponseRedirect(reverse("complaints:submitted"), status=303)


@never_cache
@require_GET
def complaint_submitted(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(SESSION_REFERENCE)
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
