"""The staff side of complaints and cases. Thin: reads come from selectors, writes go through services.

Who sees and changes what is decided in get_queryset and has_*_permission (see the role table in
docs/cases.md); the custom views behind the buttons on the case and complaint pages re-check it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.filters import DateFieldListFilter
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import (
    Case,
    CaseActionError,
    Complaint,
    InvalidTransition,
    PiiAccessLog,
    Platform,
    PlatformContact,
    Province,
    StaffProfile,
)
from .pii import cnic_mask, email_mask, mobile_mask, name_mask

# Errors a service raises for a request that the state of the rows does not allow: shown to the
# user as an admin error message, never a 500.
DOMAIN_ERRORS = (InvalidTransition, CaseActionError)


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows: a changelist page must not COUNT(*) a million-row table.

    The count is a subquery with a LIMIT, so it stops early, and the list shows "1000+". That is
    twenty pages; past them nobody pages, they filter or search (and the pages stop there).
    """

    CAP = 1_000

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return cast(QuerySet[Any], self.object_list)[: self.CAP].count()


class ScaledModelAdmin(admin.ModelAdmin):
    paginator = CappedCountPaginator
    show_full_result_count = False
    # Facet counts are a COUNT per filter choice over the whole table: never at this size.
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50


def staff(request: HttpRequest) -> User:
    """The signed-in member of staff: admin_view lets nobody else reach the admin's views."""
    return cast(User, request.user)


# --- Filters -------------------------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        open_cases = queryset.exclude(status=Case.Status.CLOSED)
        if self.value() == "yes":
            return open_cases.filter(due_at__lt=timezone.now())
        if self.value() == "no":
            return open_cases.exclude(due_at__lt=timezone.now())
        return queryset


class AssignedFilter(admin.SimpleListFilter):
    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", _("Me")), ("nobody", _("Nobody"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user.pk)
        if self.value() == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class ComplaintFieldFilter(admin.SimpleListFilter):
    """A case filter on a field of its complaints, as EXISTS so that no case appears twice."""

    field = ""
    values: list[tuple[str, Any]] = []

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(str(value), str(label)) for value, label in self.values]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        if self.value() not in dict(self.values):
            return queryset
        matching = Complaint.objects.filter(case=OuterRef("pk"), **{self.field: self.value()})
        return queryset.filter(Exists(matching))


class CaseCategoryFilter(ComplaintFieldFilter):
    title = _("category")
    parameter_name = "category"
    field = "category"
    values = Complaint.Category.choices


class CaseProvinceFilter(ComplaintFieldFilter):
    title = _("province")
    parameter_name = "province"
    field = "province"
    values = Province.choices


# --- Forms for the buttons on the case and complaint pages ---------------------------------------


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Case.Status.choices)
    outcome = forms.ChoiceField(choices=[("", "---------"), *Case.Outcome.choices], required=False)
    note = forms.CharField(required=False, max_length=2000)


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class AssignForm(forms.Form):
    to = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = selectors.caseworkers()  # type: ignore[attr-defined]


class MergeForm(forms.Form):
    target = forms.CharField(max_length=40, help_text=_("Reference of the case that keeps the complaints."))


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Case.Priority.choices)


class TriageForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "accept"), ("reject", "reject"), ("duplicate", "duplicate")])
    reason = forms.CharField(required=False, max_length=2000)
    duplicate_of = forms.CharField(required=False, max_length=40)


def method_decorator_post(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """require_POST for a ModelAdmin method: the buttons change data, so a GET is a 405."""

    def wrapped(self: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return require_POST(lambda req: view(self, req, *args, **kwargs))(request)

    wrapped.__name__ = view.__name__
    return wrapped


# --- Cases ---------------------------------------------------------------------------------------


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
    list_display = ["reference", "platform", "handle", "status", "priority", "assigned_to", "opened_at", "due"]
    list_select_related = ["platform", "assigned_to"]
    list_filter = [
        "status",
        "platform",
        "priority",
        OverdueFilter,
        AssignedFilter,
        CaseCategoryFilter,
        CaseProvinceFilter,
        ("opened_at", DateFieldListFilter),
        ("due_at", DateFieldListFilter),
    ]
    search_fields = ["reference"]  # the search itself is selectors.case_search
    search_help_text = _("Case or complaint reference, handle (starts with), or a complainant's CNIC or mobile.")
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

    @admin.display(description=_("handle"), ordering="account_handle_normalized")
    def handle(self, case: Case) -> str:
        return f"@{case.account_handle}"

    @admin.display(description=_("due"), ordering="due_at")
    def due(self, case: Case) -> str:
        if case.due_at is None:
            return "—"
        local = timezone.localtime(case.due_at)
        if case.is_overdue:
            return format_html('<strong class="overdue">{} · {}</strong>', f"{local:%Y-%m-%d %H:%M}", _("overdue"))
        return f"{local:%Y-%m-%d %H:%M}"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Case], search_term: str
    ) -> tuple[QuerySet[Case], bool]:
        return selectors.case_search(queryset, search_term), False

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
                    "timeline": selectors.case_timeline(obj),
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


# --- Complaints ----------------------------------------------------------------------------------


COMPLAINT_FIELDS = (
    "reference",
    "case",
    "status",
    "status_reason",
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
    list_display = [
        "reference",
        "received_at",
        "status",
        "platform",
        "handle",
        "full_name",
        "cnic_masked",
        "mobile_masked",
        "province",
        "category",
        "case_link",
    ]
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
    search_help_text = _("Complaint or case reference, handle (starts with), or the complainant's CNIC or mobile.")
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

    @admin.display(description=_("handle"), ordering="account_handle_normalized")
    def handle(self, complaint: Complaint) -> str:
        return f"@{complaint.account_handle}"

    # Who the complainant is and what they wrote stay with the roles that work complaints (and those
    # cleared for PII); analysts and correspondence officers see the account and the action only.
    WITHHELD = {"full_name": "full_name_masked", "narrative": "narrative_withheld"}

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
        return selectors.complaint_search(queryset, search_term), False

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
                services.complaint_reject(complaint=complaint, reason=form.cleaned_data["reason"], actor=staff(request))
            else:
                reference = form.cleaned_data["duplicate_of"].strip().upper()
                original = Complaint.objects.filter(reference=reference).first() if reference else None
                if reference and original is None:
                    raise CaseActionError(f"There is no complaint {reference}.")
                services.complaint_mark_duplicate(complaint=complaint, duplicate_of=original, actor=staff(request))
        except DOMAIN_ERRORS as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _("Complaint updated."), messages.SUCCESS)
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


# --- Platforms, staff, the PII log ---------------------------------------------------------------


class PlatformContactInline(admin.TabularInline):
    model = PlatformContact
    extra = 0


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "profile_hosts", "response_hours", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PlatformContactInline]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "is_away", "team", "last_assigned_at"]
    list_filter = ["is_away", "platforms"]
    list_editable = ["is_away"]
    raw_id_fields = ["user"]
    filter_horizontal = ["platforms"]
    readonly_fields = ["last_assigned_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StaffProfile]:
        return super().get_queryset(request).select_related("user").prefetch_related("platforms")

    @admin.display(description=_("platform team"))
    def team(self, profile: StaffProfile) -> str:
        return ", ".join(p.name for p in profile.platforms.all()) or str(_("all platforms"))


@admin.register(PiiAccessLog)
class PiiAccessLogAdmin(ScaledModelAdmin):
    list_display = ["at", "user", "action", "complaint"]
    list_filter = ["action", ("at", DateFieldListFilter)]
    list_select_related = ["user", "complaint"]
    raw_id_fields = ["user", "complaint"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PiiAccessLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PiiAccessLog | None = None) -> bool:
        return False
