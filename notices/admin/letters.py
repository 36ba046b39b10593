"""Letters in the admin: drafts, approval, sending, the annex and recording a reply."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.forms import formset_factory
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from complaints.admin import ScaledModelAdmin, staff
from complaints.forms import EvidenceField
from complaints.handles import handle_display
from complaints.models import Case, PlatformContact
from complaints.models import InvalidTransition as CaseInvalidTransition

from .. import selectors, services
from ..models import (
    InvalidTransition,
    Letter,
    Reply,
    ReplyCaseOutcome,
)

# Refusals a service raises for a request the rows' state does not allow: an admin message, never a 500.
DOMAIN_ERRORS = (services.LetterError, InvalidTransition, CaseInvalidTransition, PermissionDenied)


class OverdueLetterFilter(admin.SimpleListFilter):
    title = _("platform reply")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", str(_("Overdue")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Letter]) -> QuerySet[Letter]:
        if self.value() == "yes":
            return queryset & selectors.letters_overdue(now=timezone.now())
        return queryset


# The names of the change form's Approve and Send buttons: both submit the form itself, so what is on
# the page is saved (approve) or found unchanged (send) before the action runs.
APPROVE, SEND = "_approve", "_send"


class LetterBodyField(forms.CharField):
    """The body as stored: browsers send a textarea's line ends as CRLF, and stripping would drop the
    final newline. Either would make an untouched letter look edited (and an approved one a draft again)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strip=False, widget=forms.Textarea(attrs={"rows": 20, "cols": 80}), **kwargs)

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).replace("\r\n", "\n")


class LetterForm(forms.ModelForm):
    body = LetterBodyField(label=_("body"))

    class Meta:
        model = Letter
        fields = ["contact", "channel", "legal_basis", "subject", "body"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        # Sending goes out exactly as approved: edits on the page would either be lost or undo the
        # approval, so the officer decides which first.
        if SEND in self.data and self.has_changed():
            raise forms.ValidationError(
                _(
                    "This letter has changes that are not saved. Save them (a supervisor must then approve the "
                    "letter again), or reload the page to discard them, before sending."
                )
            )
        return cleaned

    def clean_contact(self) -> PlatformContact | None:
        contact: PlatformContact | None = self.cleaned_data.get("contact")
        if contact is not None and contact.platform_id != self.instance.platform_id:
            raise forms.ValidationError(_("Choose a contact of %(platform)s.") % {"platform": self.instance.platform})
        return contact


SENT_MESSAGE = _("Letter queued for sending; its cases await the platform.")


@admin.register(Letter)
class LetterAdmin(ScaledModelAdmin):
    form = LetterForm
    list_display = [
        "our_reference",
        "letter_type",
        "platform",
        "status",
        "case_count",
        "created_at",
        "date_sent",
        "response_due_at",
        "overdue",
    ]
    list_filter = ["status", "letter_type", "platform", OverdueLetterFilter]
    list_select_related = ["platform"]
    search_fields = ["=our_reference", "=platform_ticket_ref"]
    autocomplete_fields = ["contact"]
    change_form_template = "admin/notices/letter/change_form.html"
    readonly_fields = [
        "our_reference",
        "letter_type",
        "platform",
        "status",
        "language",
        "created_by",
        "created_at",
        "approved_by",
        "approved_at",
        "recipient_email",
        "date_sent",
        "response_due_at",
        "platform_ticket_ref",
        "reminder_of",
        "case_list",
    ]
    fieldsets = [
        (None, {"fields": ["our_reference", "letter_type", "platform", "status", "reminder_of"]}),
        (_("Wording"), {"fields": ["contact", "channel", "legal_basis", "language", "subject", "body"]}),
        (
            _("Progress"),
            {
                "fields": [
                    "created_by",
                    "created_at",
                    "approved_by",
                    "approved_at",
                    "recipient_email",
                    "date_sent",
                    "response_due_at",
                    "platform_ticket_ref",
                ]
            },
        ),
        (_("Cases"), {"fields": ["case_list"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Letter]:
        return super().get_queryset(request).annotate(n_cases=Count("letter_cases"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # letters start from the case list's "Refer to platform" action

    def has_delete_permission(self, request: HttpRequest, obj: Letter | None = None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.status == Letter.Status.DRAFT)

    def has_change_permission(self, request: HttpRequest, obj: Letter | None = None) -> bool:
        # An approved letter can still be changed, which sends it back to draft (letter_update).
        return super().has_change_permission(request, obj) and (
            obj is None or obj.status in {Letter.Status.DRAFT, Letter.Status.APPROVED}
        )

    def save_model(self, request: HttpRequest, obj: Letter, form: Any, change: bool) -> None:
        returned = services.letter_update(
            letter=obj,
            actor=request.user,  # type: ignore[arg-type]
            **{name: form.cleaned_data[name] for name in LetterForm.Meta.fields},
        )
        if returned:
            self.message_user(
                request,
                _("The letter had been approved; it changed, so it is a draft again and needs a new approval."),
                messages.WARNING,
            )

    def response_change(self, request: HttpRequest, obj: Letter) -> HttpResponse:
        """After the form is saved, run the button's action on what was saved."""
        if APPROVE in request.POST:
            return self._act(request, obj.pk, services.letter_approve, str(_("Letter saved and approved.")), saved=True)
        if SEND in request.POST:
            return self._act(request, obj.pk, services.letter_send, str(SENT_MESSAGE))
        return super().response_change(request, obj)

    @admin.display(description=_("cases"), ordering="n_cases")
    def case_count(self, letter: Letter) -> int:
        return letter.n_cases  # type: ignore[attr-defined]

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, letter: Letter) -> bool:
        return letter.is_overdue

    @admin.display(description=_("cases on this letter"))
    def case_list(self, letter: Letter) -> str:
        cases = letter.cases.order_by("letter_cases__id").values_list("pk", "reference", "account_handle", "status")
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> {} · {}</li>',
                (
                    (
                        reverse("admin:complaints_case_change", args=[pk]),
                        ref,
                        handle_display(handle),
                        Case.Status(status).label,
                    )
                    for pk, ref, handle, status in cases
                ),
            ),
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/approve/", view(self.approve_view), name="notices_letter_approve"),
            path("<int:pk>/send/", view(self.send_view), name="notices_letter_send"),
            path("<int:pk>/annex.csv", view(self.annex_view), name="notices_letter_annex"),
            path("<int:pk>/reply/", view(self.reply_view), name="notices_letter_reply"),
            *super().get_urls(),
        ]

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        letter: Letter | None = kwargs.get("obj")
        user = request.user
        if letter is not None:
            context["next_step"] = selectors.letter_next_step(letter=letter, now=timezone.now())
            context["can_approve"] = letter.status == Letter.Status.DRAFT and user.has_perm("notices.approve_letter")
            context["can_send"] = letter.status == Letter.Status.APPROVED and user.has_perm("notices.send_letter")
            # With the form editable, the buttons submit it (see response_change); read-only, they post alone.
            context["buttons_submit_form"] = self.has_change_permission(request, letter)
            context["can_download_annex"] = user.has_perm("complaints.view_complainant_pii")
            context["can_reply"] = letter.status in {Letter.Status.SENT, Letter.Status.REPLIED} and user.has_perm(
                "notices.add_reply"
            )
        return super().render_change_form(request, context, *args, **kwargs)

    def _letter(self, request: HttpRequest, pk: int) -> Letter:
        letter = get_object_or_404(Letter, pk=pk)
        if not self.has_view_permission(request, letter):
            raise PermissionDenied
        return letter

    def _back(self, letter: Letter) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:notices_letter_change", args=[letter.pk]))

    def approve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return require_POST(lambda req: self._act(req, pk, services.letter_approve, str(_("Letter approved."))))(
            request
        )

    def send_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return require_POST(lambda req: self._act(req, pk, services.letter_send, str(SENT_MESSAGE)))(request)

    def _act(self, request: HttpRequest, pk: int, service: Any, done: str, saved: bool = False) -> HttpResponse:
        letter = self._letter(request, pk)
        try:
            service(letter=letter, actor=request.user)
        except DOMAIN_ERRORS as error:
            refusal = str(error)
            if saved:
                refusal = _("Your changes were saved, but the letter was not approved: %(error)s") % {"error": refusal}
            self.message_user(request, refusal, messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return self._back(letter)

    def annex_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        letter = self._letter(request, pk)
        content = services.letter_annex_download(letter=letter, actor=staff(request))
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{letter.our_reference}-annex.csv"'
        return response

    def reply_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        letter = self._letter(request, pk)
        if not request.user.has_perm("notices.add_reply"):
            raise PermissionDenied
        # Every open case on the letter gets a row; a closed one is not reopened by a later reply.
        # Rows are matched to cases by position, with the list of ids sent once in a hidden field:
        # two fields per case keep a 333-case letter under DATA_UPLOAD_MAX_NUMBER_FIELDS.
        cases = list(letter.cases.exclude(status=Case.Status.CLOSED).order_by("letter_cases__id"))
        case_ids = ",".join(str(case.pk) for case in cases)
        fresh = {"received_at": timezone.localtime().replace(second=0, microsecond=0), "cases": case_ids}
        if request.method == "POST" and request.POST.get("cases") != case_ids:
            # A stale page: a case was closed meanwhile, so the rows no longer line up with the cases.
            self.message_user(
                request,
                _("The cases on this letter changed meanwhile; check the rows and submit again."),
                messages.ERROR,
            )
            fields = ("received_at", "platform_ticket_ref", "kind", "text")
            form = ReplyForm(initial={**fresh, **{name: request.POST.get(name) for name in fields}})
            outcomes = OutcomeFormSet(initial=[{} for _case in cases], prefix="outcome")
        elif request.method == "POST":
            form = ReplyForm(request.POST, request.FILES)
            outcomes = OutcomeFormSet(request.POST, prefix="outcome")
            if outcomes.is_valid() and len(outcomes.cleaned_data) != len(cases):
                form.add_error(None, _("Give one row for each case on the letter."))
            elif form.is_valid() and outcomes.is_valid():
                try:
                    reply = services.reply_record(
                        letter=letter,
                        received_at=form.cleaned_data["received_at"],
                        ticket_ref=form.cleaned_data["platform_ticket_ref"],
                        text=form.cleaned_data["text"],
                        kind=form.cleaned_data["kind"],
                        outcomes=[
                            services.CaseOutcomeInput(
                                case=case, action_taken=row["action_taken"], outcome=row["outcome"]
                            )
                            for case, row in zip(cases, outcomes.cleaned_data, strict=True)
                        ],
                        attachments=form.cleaned_data["attachments"],
                        actor=request.user,  # type: ignore[arg-type]
                    )
                except DOMAIN_ERRORS as error:
                    form.add_error(None, str(error))
                else:
                    self.message_user(request, _("Reply recorded; the citizens will be told."), messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:notices_reply_change", args=[reply.pk]))
        else:
            form = ReplyForm(initial=fresh)
            outcomes = OutcomeFormSet(initial=[{} for _case in cases], prefix="outcome")
        labels = {
            case.pk: f"{case.reference} {handle_display(case.account_handle)} ({case.get_status_display()})"
            for case in cases
        }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Record the platform's reply to %(ref)s") % {"ref": letter.our_reference},
            "letter": letter,
            "form": form,
            "outcomes": outcomes,
            "rows": [(labels[case.pk], row) for case, row in zip(cases, outcomes, strict=False)],
        }
        return TemplateResponse(request, "admin/notices/letter/reply_form.html", context)


class ReplyForm(forms.Form):
    received_at = forms.DateTimeField(
        label=_("received"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    platform_ticket_ref = forms.CharField(label=_("platform ticket reference"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=Reply.Kind.choices, initial=Reply.Kind.DECISION)
    text = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 6}))
    # A list of files, each checked as evidence is (type sniffed, images re-encoded, active PDFs refused):
    # a platform's attachment is opened by our staff like a citizen's upload.
    attachments = EvidenceField(label=_("attachments"), required=False)
    cases = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_received_at(self) -> Any:
        received_at = self.cleaned_data["received_at"]
        if received_at > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("A reply cannot be received in the future."))
        return received_at


class OutcomeForm(forms.Form):
    action_taken = forms.ChoiceField(
        label=_("action taken"),
        choices=ReplyCaseOutcome.ActionTaken.choices,
        initial=ReplyCaseOutcome.ActionTaken.UNSPECIFIED,
    )
    outcome = forms.ChoiceField(
        label=_("close with outcome"),
        choices=[("", _("— keep open for review —")), *Case.Outcome.choices],
        required=False,
    )


OutcomeFormSet = formset_factory(OutcomeForm, extra=0, max_num=2000)
