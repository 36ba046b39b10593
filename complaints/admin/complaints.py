"""Complaints in the admin: masked PII, logged reveals, triage and splitting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.filters import DateFieldListFilter
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import selectors, services
from ..models import (
    CaseActionError,
    Complaint,
)
from ..pii import cnic_mask, email_mask, mobile_mask, name_mask
from .base import DOMAIN_ERRORS, ScaledModelAdmin, account_cell, complainant_search_permit, staff
from .forms import TriageForm, method_decorator_post

COMPLAINT_FIELDS = (
    "reference",
    "case",
    "status",
    "rejection_reason",
    "rejection_note",
    "rejection_note_approved_by",
    "rejection_note_approved_at",
    "duplicate_of",
    "received_at",
    "submitted_via",
    "full_name",
    "cnic_masked",
    "mobile_masked",
    "email_masked",
    "province",
    "city",
    "preferred_language",
    "platform",
    "account_handle",
    "account_url",
    "platform_account_id",
    "account_type",
    "action_type",
    "action_date",
    "platform_notice_text",
    "appealed_to_platform",
    "platform_appeal_ref",
    "category",
    "narrative",
    "consent_share_with_platform",
)


@admin.register(Complaint)
class ComplaintAdmin(ScaledModelAdmin):
    # What fits a 1366 px screen beside the filters; CNIC, mobile, province and category are on the
    # complaint's page (and in the filters), where they have room.
    list_display = ["reference", "received_at", "status", "account", "full_name", "case_link"]
    list_select_related = ["platform", "case"]
    list_filter = [
        "status",
        "platform",
        "category",
        "province",
        "action_type",
        "submitted_via",
        ("received_at", DateFieldListFilter),
    ]
    search_fields = ["reference"]  # the search itself is selectors.complaint_search
    search_help_text = _(
        "Complaint or case reference, or handle (starts with). With the permission to view complainants' "
        "details: their CNIC or mobile (each such search is logged)."
    )
    raw_id_fields = ["case", "duplicate_of"]
    fields = COMPLAINT_FIELDS
    # The citizen's complaint is a record: triage and splitting are buttons, nothing is a free field.
    readonly_fields = COMPLAINT_FIELDS
    change_form_template = "admin/complaints/complaint/change_form.html"
    actions = ["complaints_accept"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Complaint]:
        complaints = super().get_queryset(request).select_related("platform", "case")
        return selectors.complaint_visible_to(request.user, complaints)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Complaint | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Complaint | None = None) -> bool:
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or selectors.case_is_visible_to(request.user, obj.case)

    def has_change_permission(self, request: HttpRequest, obj: Complaint | None = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or selectors.case_changeable_by(request.user, obj.case)

    @admin.display(description=_("account"), ordering="account_handle_normalized")
    def account(self, complaint: Complaint) -> str:
        return account_cell(complaint.platform, complaint.account_handle)

    # Who the complainant is and what they wrote stay with the roles that work complaints (and those
    # cleared for PII); analysts and correspondence officers see the account and the action only.
    WITHHELD = {
        "full_name": "full_name_masked",
        "narrative": "narrative_withheld",
        "rejection_note": "rejection_note_withheld",
    }

    def _withholds(self, request: HttpRequest) -> bool:
        user = request.user
        return not (user.has_perm("complaints.change_complaint") or user.has_perm("complaints.view_complainant_pii"))

    def _shown(self, request: HttpRequest, fields: Sequence[Any]) -> list[Any]:
        return [self.WITHHELD.get(f, f) for f in fields] if self._withholds(request) else list(fields)

    def get_fields(self, request: HttpRequest, obj: Complaint | None = None) -> list[Any]:  # type: ignore[override]
        return self._shown(request, COMPLAINT_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: Complaint | None = None) -> list[Any]:  # type: ignore[override]
        return self._shown(request, COMPLAINT_FIELDS)

    def get_list_display(self, request: HttpRequest) -> list[Any]:  # type: ignore[override]
        return self._shown(request, self.list_display)

    @admin.display(description=_("full name"))
    def full_name_masked(self, complaint: Complaint) -> str:
        return name_mask(complaint.full_name)

    @admin.display(description=_("what happened"))
    def narrative_withheld(self, complaint: Complaint) -> str:
        return gettext("Withheld: your role does not work complaints (%(n)d characters).") % {
            "n": len(complaint.narrative)
        }

    @admin.display(description=_("rejection note"))
    def rejection_note_withheld(self, complaint: Complaint) -> str:
        return gettext("Withheld: your role does not work complaints.") if complaint.rejection_note else "—"

    @admin.display(description=_("CNIC"))
    def cnic_masked(self, complaint: Complaint) -> str:
        return cnic_mask(complaint.cnic)

    @admin.display(description=_("mobile"))
    def mobile_masked(self, complaint: Complaint) -> str:
        return mobile_mask(complaint.mobile)

    @admin.display(description=_("email"))
    def email_masked(self, complaint: Complaint) -> str:
        return email_mask(complaint.email)

    @admin.display(description=_("case"), ordering="case__reference")
    def case_link(self, complaint: Complaint) -> str:
        url = reverse("admin:complaints_case_change", args=[complaint.case_id])
        return format_html('<a href="{}">{}</a>', url, complaint.case.reference)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Complaint], search_term: str
    ) -> tuple[QuerySet[Complaint], bool]:
        permit = complainant_search_permit(request, search_term)
        if permit.refused:
            return queryset.none(), False
        return selectors.complaint_search(queryset, search_term, by_complainant=permit.by_complainant), False

    @admin.action(description=_("Accept the selected complaints"), permissions=["change"])
    def complaints_accept(self, request: HttpRequest, queryset: QuerySet[Complaint]) -> None:
        done = 0
        for complaint in queryset.select_related("case"):
            if not selectors.case_changeable_by(request.user, complaint.case):
                self.message_user(
                    request, _("%(ref)s is not yours to change.") % {"ref": complaint.reference}, messages.ERROR
                )
                continue
            try:
                services.complaint_accept(complaint=complaint, actor=staff(request))
            except DOMAIN_ERRORS as error:
                self.message_user(request, f"{complaint.reference}: {error}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(n)d complaint(s) accepted.") % {"n": done}, messages.SUCCESS)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:complaint_id>/reveal/", view(self.reveal_view), name="complaints_complaint_reveal"),
            path("<int:complaint_id>/triage/", view(self.triage_view), name="complaints_complaint_triage"),
            path("<int:complaint_id>/split/", view(self.split_view), name="complaints_complaint_split"),
            path(
                "<int:complaint_id>/note-approve/",
                view(self.note_approve_view),
                name="complaints_complaint_note_approve",
            ),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Complaint | None = None,
    ) -> HttpResponse:
        if obj is not None:
            context.update(
                {
                    "complaint": obj,
                    "evidence": obj.evidence.all(),
                    "can_change": self.has_change_permission(request, obj),
                    "can_reveal": request.user.has_perm("complaints.view_complainant_pii"),
                    "rejection_reasons": Complaint.RejectionReason.choices,
                    "can_approve_note": bool(obj.rejection_note)
                    and obj.status == Complaint.Status.REJECTED
                    and obj.rejection_note_approved_at is None
                    and obj.rejection_note_by_id != request.user.pk
                    and request.user.has_perm("complaints.approve_rejection_note"),
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request: HttpRequest, obj: Complaint, form: forms.ModelForm, change: bool) -> None:
        """Never save the change form: a complaint is a record, changed only by the triage services."""

    def _back(self, complaint: Complaint) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:complaints_complaint_change", args=[complaint.pk]))

    @method_decorator_post
    def reveal_view(self, request: HttpRequest, complaint_id: int) -> HttpResponse:
        # POST, so that a reveal is a deliberate act and a prefetching browser never logs one.
        complaint = get_object_or_404(self.get_queryset(request), pk=complaint_id)
        if not request.user.has_perm("complaints.view_complainant_pii"):
            raise PermissionDenied
        revealed = services.complaint_pii_reveal(complaint=complaint, actor=staff(request))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Complainant's details"),
            "complaint": complaint,
            "revealed": revealed,
        }
        response = TemplateResponse(request, "admin/complaints/complaint/reveal.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @method_decorator_post
    def triage_view(self, request: HttpRequest, complaint_id: int) -> HttpResponse:
        complaint = get_object_or_404(self.get_queryset(request).select_related("case"), pk=complaint_id)
        if not self.has_change_permission(request, complaint):
            raise PermissionDenied
        form = TriageForm(request.POST)
        if not form.is_valid():
            self.message_user(request, _("Choose accept, reject or duplicate."), messages.ERROR)
            return self._back(complaint)
        decision = form.cleaned_data["decision"]
        try:
            if decision == "accept":
                services.complaint_accept(complaint=complaint, actor=staff(request))
            elif decision == "reject":
                services.complaint_reject(
                    complaint=complaint,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    actor=staff(request),
                )
            else:
                reference = form.cleaned_data["duplicate_of"].strip().upper()
                # Only complaints this user may see, and one message whether a reference is unknown
                # or someone else's: the button must not tell a caseworker which references exist.
                original = selectors.complaint_by_reference_for(request.user, reference)
                if reference and original is None:
                    raise CaseActionError(gettext("No complaint %(ref)s among those you can see.") % {"ref": reference})
                services.complaint_mark_duplicate(complaint=complaint, duplicate_of=original, actor=staff(request))
        except DOMAIN_ERRORS as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _("Complaint updated."), messages.SUCCESS)
        return self._back(complaint)

    @method_decorator_post
    def note_approve_view(self, request: HttpRequest, complaint_id: int) -> HttpResponse:
        complaint = get_object_or_404(self.get_queryset(request), pk=complaint_id)
        if not request.user.has_perm("complaints.approve_rejection_note"):
            raise PermissionDenied
        try:
            services.complaint_rejection_note_approve(complaint=complaint, actor=staff(request))
        except DOMAIN_ERRORS as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            approved = _("The note is approved: the citizen sees it when tracking, and by email if they gave one.")
            self.message_user(request, approved, messages.SUCCESS)
        return self._back(complaint)

    @method_decorator_post
    def split_view(self, request: HttpRequest, complaint_id: int) -> HttpResponse:
        complaint = get_object_or_404(self.get_queryset(request).select_related("case"), pk=complaint_id)
        if not self.has_change_permission(request, complaint):
            raise PermissionDenied
        try:
            case = services.case_split(complaint=complaint, actor=staff(request))
        except DOMAIN_ERRORS as error:
            self.message_user(request, str(error), messages.ERROR)
            return self._back(complaint)
        self.message_user(request, _("Split into the new case %(ref)s.") % {"ref": case.reference}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:complaints_case_change", args=[case.pk]))
