"""Advance notices in the admin: the registry, the notice with its account's history, and the buttons
that answer it. Every write goes through notices.services; each custom view re-checks its permission.
Also the case page's list of the account's notices.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from complaints.admin import ScaledModelAdmin, account_cell, staff, when
from complaints.models import Case
from complaints.pii import cnic_mask, mobile_mask, name_mask
from complaints.selectors import case_visible_to, complaint_visible_to

from .. import services
from ..advance_timeline import advance_notice_timeline
from ..models import (
    PROPOSED_DECISION_FIELDS,
    AdvanceNotice,
    AdvanceNoticeDuplicate,
    AdvanceNoticeError,
    InvalidTransition,
)
from .advance_forms import ApproveForm, DeadlineFilter, EmailedNoticeForm, FinalActionForm, RespondForm

DOMAIN_ERRORS = (AdvanceNoticeError, InvalidTransition, PermissionDenied)


def _note(text: str) -> str:
    """What someone wrote with the event (reasons, a note), quoted as written."""
    return format_html('<blockquote class="note">{}</blockquote>', text) if text else ""


@admin.register(AdvanceNotice)
class AdvanceNoticeAdmin(ScaledModelAdmin):
    # What fits a 1366 px screen beside the filters; the response and the platform's final action are
    # on the notice's page (and in the filters).
    list_display = ["reference", "handle", "status", "due", "assigned_to"]
    list_filter = ["status", "platform", DeadlineFilter, "response", "final_action", "source"]
    list_select_related = ["platform", "assigned_to"]
    search_fields = ["=reference", "=puid", "=platform_reference", "account_handle_normalized"]
    raw_id_fields = ["assigned_to"]
    change_form_template = "admin/notices/advancenotice/change_form.html"
    fieldsets = [
        (None, {"fields": ["reference", "platform", "account_handle", "puid", "platform_reference", "source"]}),
        (
            _("Proposed decision"),
            {"fields": list(PROPOSED_DECISION_FIELDS)},
        ),
        (
            _("Deadline and response"),
            {
                "fields": [
                    "received_at",
                    "emergency",
                    "response_due_at",
                    "status",
                    "assigned_to",
                    "response",
                    "response_reasons",
                    "response_rule",
                    "drafted_by",
                    "approved_by",
                    "responded_at",
                ]
            },
        ),
        (
            _("What the platform did"),
            {"fields": ["final_action", "final_action_date", "final_action_note", "respected"]},
        ),
        (_("Timeline"), {"fields": ["timeline"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: AdvanceNotice | None = None) -> list[str]:
        return [str(f) for _name, options in self.fieldsets for f in options["fields"]]  # type: ignore[index,misc]

    def has_change_permission(self, request: HttpRequest, obj: AdvanceNotice | None = None) -> bool:
        return False  # a notice changes only through the buttons below it, each a service

    def has_delete_permission(self, request: HttpRequest, obj: AdvanceNotice | None = None) -> bool:
        return False  # the registry is the record of what platforms announced

    @admin.display(description=_("account"), ordering="account_handle_normalized")
    def handle(self, notice: AdvanceNotice) -> str:
        return account_cell(notice.platform, notice.account_handle_normalized)

    @admin.display(description=_("due"), ordering="response_due_at")
    def due(self, notice: AdvanceNotice) -> str:
        if notice.is_overdue or notice.status == AdvanceNotice.Status.LAPSED:
            return format_html('<strong class="overdue">{}</strong>', when(notice.response_due_at))
        return when(notice.response_due_at)

    @admin.display(description=_("objection respected"), boolean=True)
    def respected(self, notice: AdvanceNotice) -> bool | None:
        return notice.objection_respected

    @admin.display(description=_("timeline"))
    def timeline(self, notice: AdvanceNotice) -> str:
        lines = advance_notice_timeline(notice.events.select_related("actor").order_by("created_at", "id"))
        return format_html(
            '<ol class="timeline">{}</ol>',
            format_html_join(
                "",
                '<li><time class="when">{}</time> {}{}</li>',
                ((when(line.at), line.text, _note(line.note)) for line in lines),
            ),
        )

    def _account_history(self, request: HttpRequest, notice: AdvanceNotice) -> dict[str, Any]:
        """The linked cases and complaints this viewer may see, as plain rows. CNIC and mobile are always
        masked here (revealing one is logged on the complaint's page); names need the PII permission."""
        user = request.user
        full_names = user.has_perm("complaints.view_complainant_pii")
        cases = case_visible_to(user, notice.cases.all()).order_by("-opened_at")
        complaints = complaint_visible_to(user, notice.complaints.all()).order_by("-received_at")
        return {
            "history_cases": [
                {
                    "url": reverse("admin:complaints_case_change", args=[c.pk]),
                    "reference": c.reference,
                    "status": c.get_status_display(),
                    "opened": c.opened_at,
                }
                for c in cases
            ],
            "history_complaints": [
                {
                    "url": reverse("admin:complaints_complaint_change", args=[c.pk]),
                    "reference": c.reference,
                    "name": c.full_name if full_names else name_mask(c.full_name),
                    "cnic": cnic_mask(c.cnic),
                    "mobile": mobile_mask(c.mobile),
                    "action": c.get_action_type_display(),
                    "received": c.received_at,
                }
                for c in complaints
            ],
            "hidden_count": notice.cases.count() - len(cases) + notice.complaints.count() - len(complaints),
        }

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        notice: AdvanceNotice | None = kwargs.get("obj")
        user = request.user
        if notice is not None:
            context.update(self._account_history(request, notice))
            answerable = notice.status in {
                AdvanceNotice.Status.RECEIVED,
                AdvanceNotice.Status.AWAITING_APPROVAL,
            } or (
                notice.status == AdvanceNotice.Status.RESPONDED
                and notice.response == AdvanceNotice.Response.REQUEST_INFORMATION
            )
            if answerable and user.has_perm("notices.respond_advancenotice"):
                context["respond_form"] = RespondForm(
                    initial={
                        "response": notice.response,
                        "reasons": notice.response_reasons,
                        "rule": notice.response_rule,
                    }
                )
            if (
                notice.status == AdvanceNotice.Status.AWAITING_APPROVAL
                and user.has_perm("notices.approve_advancenotice")
                and notice.drafted_by_id != user.pk
            ):
                context["approve_form"] = ApproveForm(initial={"digest": notice.response_digest()})
            if notice.final_action not in AdvanceNotice.SETTLED_ACTIONS and user.has_perm(
                "notices.record_advancenotice_outcome"
            ):
                context["final_action_form"] = FinalActionForm()
        return super().render_change_form(request, context, *args, **kwargs)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/respond/", view(require_POST(self.respond_view)), name="notices_advancenotice_respond"),
            path("<int:pk>/approve/", view(require_POST(self.approve_view)), name="notices_advancenotice_approve"),
            path(
                "<int:pk>/final-action/",
                view(require_POST(self.final_action_view)),
                name="notices_advancenotice_final_action",
            ),
            *super().get_urls(),
        ]

    def _notice(self, request: HttpRequest, pk: int, perm: str) -> AdvanceNotice:
        notice = get_object_or_404(AdvanceNotice, pk=pk)
        if not (self.has_view_permission(request, notice) and request.user.has_perm(perm)):
            raise PermissionDenied
        return notice

    def _done(self, request: HttpRequest, notice: AdvanceNotice, form: forms.Form, call: Any, ok: str) -> HttpResponse:
        if not form.is_valid():
            errors = "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items())
            self.message_user(request, errors, messages.ERROR)
        else:
            try:
                call(form.cleaned_data)
            except DOMAIN_ERRORS as error:
                self.message_user(request, str(error), messages.ERROR)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, ok, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:notices_advancenotice_change", args=[notice.pk]))

    def respond_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        notice = self._notice(request, pk, "notices.respond_advancenotice")
        return self._done(
            request,
            notice,
            RespondForm(request.POST),
            lambda data: services.advance_notice_respond(
                notice=notice,
                response=data["response"],
                reasons=data["reasons"],
                rule=data["rule"],
                actor=staff(request),
            ),
            str(_("Response recorded. An objection now waits for a supervisor; any other answer is on its way.")),
        )

    def approve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        notice = self._notice(request, pk, "notices.approve_advancenotice")
        return self._done(
            request,
            notice,
            ApproveForm(request.POST),
            lambda data: services.advance_notice_approve(notice=notice, actor=staff(request), digest=data["digest"]),
            str(_("Objection approved and on its way to the platform.")),
        )

    def final_action_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        notice = self._notice(request, pk, "notices.record_advancenotice_outcome")
        return self._done(
            request,
            notice,
            FinalActionForm(request.POST),
            lambda data: services.advance_notice_final_action(
                notice=notice, action=data["action"], date=data["date"], note=data["note"], actor=staff(request)
            ),
            str(_("Recorded what the platform did.")),
        )

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = EmailedNoticeForm(request.POST)
            if form.is_valid():
                try:
                    notice = services.advance_notice_submit(
                        platform=form.cleaned_data["platform"],
                        data=form.service_data(),
                        source=AdvanceNotice.Source.EMAIL,
                        actor=staff(request),
                    )
                except AdvanceNoticeDuplicate as duplicate:
                    url = reverse("admin:notices_advancenotice_change", args=[duplicate.existing_id])
                    form.add_error(None, format_html('{} <a href="{}">{}</a>', duplicate, url, _("Open it")))
                except ValidationError as error:
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                except DOMAIN_ERRORS as error:
                    form.add_error(None, str(error))
                else:
                    self.message_user(request, _("Advance notice %(ref)s registered.") % {"ref": notice.reference})
                    return HttpResponseRedirect(reverse("admin:notices_advancenotice_change", args=[notice.pk]))
        else:
            form = EmailedNoticeForm(initial={"received_at": timezone.localtime().replace(second=0, microsecond=0)})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Enter an advance notice received by email"),
            "form": form,
        }
        return TemplateResponse(request, "admin/notices/advancenotice/add_form.html", context)


def case_advance_notices(case: Case) -> str:
    """The case page's list of the platform's advance notices about its account, linked to each."""
    notices = case.advance_notices.order_by("-received_at")  # type: ignore[attr-defined]
    rows = format_html_join(
        "",
        '<li><a href="{}">{}</a> · {} · {} {} · {} · {}</li>',
        (
            (
                reverse("admin:notices_advancenotice_change", args=[n.pk]),
                n.reference,
                n.get_status_display(),
                _("due"),
                when(n.response_due_at),
                n.get_response_display() or "—",
                n.get_final_action_display() or "—",
            )
            for n in notices
        ),
    )
    return format_html("<ul>{}</ul>", rows) if rows else "—"
