"""Cases in the admin: the changelist, the case page with its buttons, and My cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.filters import DateFieldListFilter
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import selectors, services
from ..models import (
    Case,
)
from ..timeline import case_timeline_lines
from .base import DOMAIN_ERRORS, ScaledModelAdmin, account_cell, complainant_search_permit, staff, when
from .filters import AssignedFilter, CaseCategoryFilter, CaseProvinceFilter, OpenWorkFilter, OverdueFilter
from .forms import AssignForm, MergeForm, NoteForm, PriorityForm, TransitionForm, method_decorator_post

CASE_FIELDS = (
    "reference",
    "platform",
    "account_handle",
    "status",
    "priority",
    "assigned_to",
    "opened_at",
    "status_changed_at",
    "due_at",
    "sent_to_platform_at",
    "response_due_at",
    "platform_responded_at",
    "timely_response",
    "closed_at",
    "outcome",
    "split_from",
    "merged_into",
)


@admin.register(Case)
class CaseAdmin(ScaledModelAdmin):
    # Five columns fit a 1366 px screen beside the filters; the rest is on the case's page.
    list_display = ["reference", "account", "state", "assigned_to", "due"]
    list_select_related = ["platform", "assigned_to"]
    list_filter = [
        "status",
        "platform",
        "priority",
        OverdueFilter,
        OpenWorkFilter,
        AssignedFilter,
        CaseCategoryFilter,
        CaseProvinceFilter,
        ("opened_at", DateFieldListFilter),
        ("due_at", DateFieldListFilter),
    ]
    search_fields = ["reference"]  # the search itself is selectors.case_search
    search_help_text = _(
        "Case or complaint reference, or handle (starts with). With the permission to view complainants' "
        "details: a complainant's CNIC or mobile (each such search is logged)."
    )
    fields = CASE_FIELDS
    readonly_fields = CASE_FIELDS
    change_form_template = "admin/complaints/case/change_form.html"
    actions = ["cases_take", "cases_start_review", "cases_escalate", "cases_reassign"]

    # Permissions --------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        cases = super().get_queryset(request).select_related("platform", "assigned_to")
        return selectors.case_visible_to(request.user, cases)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # cases are opened by complaints, never by hand

    def has_delete_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False  # a case's history is evidence; it is closed, not deleted

    def has_view_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or selectors.case_is_visible_to(request.user, obj)

    def has_change_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or selectors.case_changeable_by(request.user, obj)

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("complaints.assign_case")

    # List ---------------------------------------------------------------------------------------

    @admin.display(description=_("account"), ordering="account_handle_normalized")
    def account(self, case: Case) -> str:
        return account_cell(case.platform, case.account_handle)

    @admin.display(description=_("status"), ordering="status")
    def state(self, case: Case) -> str:
        if case.priority == Case.Priority.EMERGENCY:
            return format_html('{}<span class="emergency">{}</span>', case.get_status_display(), _("Emergency"))
        return case.get_status_display()

    @admin.display(description=_("due"), ordering="due_at")
    def due(self, case: Case) -> str:
        if case.is_overdue:
            return format_html('<strong class="overdue">{}<span>{}</span></strong>', when(case.due_at), _("overdue"))
        return when(case.due_at)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Case], search_term: str
    ) -> tuple[QuerySet[Case], bool]:
        permit = complainant_search_permit(request, search_term)
        if permit.refused:
            return queryset.none(), False
        return selectors.case_search(queryset, search_term, by_complainant=permit.by_complainant), False

    # Actions ------------------------------------------------------------------------------------

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Case], do: Callable[[Case], object], *, own_only: bool = True
    ) -> None:
        """Apply ``do`` to each selected case, reporting each refusal as its own error message."""
        done = 0
        for case in queryset.select_related("platform"):
            if own_only and not selectors.case_changeable_by(request.user, case):
                self.message_user(
                    request, _("%(ref)s is not yours to change.") % {"ref": case.reference}, messages.ERROR
                )
                continue
            try:
                do(case)
            except DOMAIN_ERRORS as error:
                self.message_user(request, f"{case.reference}: {error}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(n)d case(s) updated.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Take the selected cases"), permissions=["change"])
    def cases_take(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        # Unassigned cases are nobody's yet; case_take refuses the ones someone else holds.
        self._each(request, queryset, lambda case: services.case_take(case=case, actor=staff(request)), own_only=False)

    @admin.action(description=_("Start review of the selected cases"), permissions=["change"])
    def cases_start_review(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        self._each(
            request,
            queryset,
            lambda case: services.case_transition(case=case, to=Case.Status.IN_REVIEW, actor=staff(request)),
        )

    @admin.action(description=_("Escalate the selected cases"), permissions=["change"])
    def cases_escalate(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        self._each(
            request,
            queryset,
            lambda case: services.case_transition(case=case, to=Case.Status.ESCALATED, actor=staff(request)),
        )

    @admin.action(description=_("Reassign the selected cases…"), permissions=["assign"])
    def cases_reassign(self, request: HttpRequest, queryset: QuerySet[Case]) -> HttpResponse | None:
        if "apply" in request.POST:
            form = AssignForm(request.POST)
            if form.is_valid():
                try:
                    moved = services.case_reassign_bulk(
                        cases=queryset, to=form.cleaned_data["to"], actor=staff(request)
                    )
                except DOMAIN_ERRORS as error:
                    self.message_user(request, str(error), messages.ERROR)
                else:
                    self.message_user(
                        request,
                        _("%(n)d case(s) reassigned to %(user)s.") % {"n": moved, "user": form.cleaned_data["to"]},
                        messages.SUCCESS,
                    )
                return None
        else:
            form = AssignForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Reassign cases"),
            "form": form,
            "cases": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/complaints/case/reassign.html", context)

    # The case page ------------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("my/", view(self.my_cases_view), name="complaints_case_my"),
            path("<int:case_id>/transition/", view(self.transition_view), name="complaints_case_transition"),
            path("<int:case_id>/take/", view(self.take_view), name="complaints_case_take"),
            path("<int:case_id>/assign/", view(self.assign_view), name="complaints_case_assign"),
            path("<int:case_id>/note/", view(self.note_view), name="complaints_case_note"),
            path("<int:case_id>/merge/", view(self.merge_view), name="complaints_case_merge"),
            path("<int:case_id>/priority/", view(self.priority_view), name="complaints_case_priority"),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Case | None = None,
    ) -> HttpResponse:
        if obj is not None:
            can_change = self.has_change_permission(request, obj)
            context.update(
                {
                    "case": obj,
                    "complaints": selectors.case_complaints(obj),
                    "timeline": case_timeline_lines(obj),
                    "transitions": [(s, Case.Status(s).label) for s in obj.available_transitions()]
                    if can_change
                    else [],
                    "outcomes": Case.Outcome.choices,
                    "priorities": Case.Priority.choices,
                    "can_change": can_change,
                    "can_take": obj.is_open
                    and obj.assigned_to_id is None
                    and request.user.has_perm("complaints.change_case"),
                    "assign_form": AssignForm() if self.has_assign_permission(request) and obj.is_open else None,
                    "note_form": NoteForm() if can_change else None,
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request: HttpRequest, obj: Case, form: forms.ModelForm, change: bool) -> None:
        """Never save the change form: every field is read-only, and a full save() of a row loaded
        before a concurrent transition would write its old values back."""

    def _case_for_write(self, request: HttpRequest, case_id: int) -> Case:
        case = get_object_or_404(self.get_queryset(request).select_related("platform"), pk=case_id)
        if not self.has_change_permission(request, case):
            raise PermissionDenied
        return case

    def _back(self, case: Case) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:complaints_case_change", args=[case.pk]))

    def _run(
        self, request: HttpRequest, case: Case, do: Callable[[], object], success: str | Promise
    ) -> HttpResponseRedirect:
        try:
            do()
        except DOMAIN_ERRORS as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, str(success), messages.SUCCESS)
        return self._back(case)

    def _invalid(self, request: HttpRequest, case: Case, form: forms.Form) -> HttpResponseRedirect:
        errors = "; ".join(f"{field}: {' '.join(str(e) for e in errs)}" for field, errs in form.errors.items())
        self.message_user(request, _("Nothing changed: %(errors)s") % {"errors": errors}, messages.ERROR)
        return self._back(case)

    @method_decorator_post
    def transition_view(self, request: HttpRequest, case_id: int) -> HttpResponse:
        case = self._case_for_write(request, case_id)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            return self._invalid(request, case, form)
        to = form.cleaned_data["to"]
        return self._run(
            request,
            case,
            lambda: services.case_transition(
                case=case,
                to=to,
                actor=staff(request),
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            ),
            _("The case is now %(status)s.") % {"status": Case.Status(to).label},
        )

    @method_decorator_post
    def take_view(self, request: HttpRequest, case_id: int) -> HttpResponse:
        case = get_object_or_404(self.get_queryset(request), pk=case_id)
        if not request.user.has_perm("complaints.change_case"):
            raise PermissionDenied
        return self._run(
            request, case, lambda: services.case_take(case=case, actor=staff(request)), _("The case is yours.")
        )

    @method_decorator_post
    def assign_view(self, request: HttpRequest, case_id: int) -> HttpResponse:
        if not self.has_assign_permission(request):
            raise PermissionDenied
        case = self._case_for_write(request, case_id)
        form = AssignForm(request.POST)
        if not form.is_valid():
            return self._invalid(request, case, form)
        to = form.cleaned_data["to"]
        return self._run(
            request,
            case,
            lambda: services.case_assign(case=case, to=to, actor=staff(request)),
            _("Assigned to %(user)s.") % {"user": to},
        )

    @method_decorator_post
    def note_view(self, request: HttpRequest, case_id: int) -> HttpResponse:
        case = self._case_for_write(request, case_id)
        form = NoteForm(request.POST)
        if not form.is_valid():
            return self._invalid(request, case, form)
        return self._run(
            request,
            case,
            lambda: services.case_note_add(case=case, text=form.cleaned_data["text"], actor=staff(request)),
            _("Note added."),
        )

    @method_decorator_post
    def merge_view(self, request: HttpRequest, case_id: int) -> HttpResponse:
        case = self._case_for_write(request, case_id)
        form = MergeForm(request.POST)
        if not form.is_valid():
            return self._invalid(request, case, form)
        target = self.get_queryset(request).filter(reference=form.cleaned_data["target"].strip().upper()).first()
        if target is None or not self.has_change_permission(request, target):
            self.message_user(request, _("No case of yours has that reference."), messages.ERROR)
            return self._back(case)
        try:
            services.case_merge(source=case, target=target, actor=staff(request))
        except DOMAIN_ERRORS as error:
            self.message_user(request, str(error), messages.ERROR)
            return self._back(case)
        self.message_user(request, _("Merged into %(ref)s.") % {"ref": target.reference}, messages.SUCCESS)
        return self._back(target)

    @method_decorator_post
    def priority_view(self, request: HttpRequest, case_id: int) -> HttpResponse:
        case = self._case_for_write(request, case_id)
        form = PriorityForm(request.POST)
        if not form.is_valid():
            return self._invalid(request, case, form)
        return self._run(
            request,
            case,
            lambda: services.case_priority_set(case=case, priority=form.cleaned_data["priority"], actor=staff(request)),
            _("Priority changed."),
        )

    def my_cases_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("My cases"),
            "summary": selectors.my_cases_summary(request.user),
        }
        return TemplateResponse(request, "admin/complaints/case/my_cases.html", context)
