"""Letter templates and platform contacts: supervisors change them, and every change is on record."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template import TemplateSyntaxError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from complaints.models import PlatformContact

from .. import services
from ..models import (
    CorrespondenceEvent,
    LetterTemplate,
)


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["letter_type", "language", "subject", "body"]

    def clean(self) -> dict[str, Any]:
        # A template that does not parse would only fail when an officer next drafts a letter.
        cleaned = super().clean() or {}
        for name in ("subject", "body"):
            try:
                services.wording_compile(cleaned.get(name, ""))
            except TemplateSyntaxError as error:
                self.add_error(name, str(error))
        return cleaned


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    form = LetterTemplateForm
    list_display = ["letter_type", "language", "subject"]
    list_filter = ["letter_type", "language"]

    def save_model(self, request: HttpRequest, obj: LetterTemplate, form: Any, change: bool) -> None:
        services.letter_template_save(template=obj, actor=request.user)  # type: ignore[arg-type]

    def delete_model(self, request: HttpRequest, obj: LetterTemplate) -> None:
        services.letter_template_delete(template=obj, actor=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[LetterTemplate]) -> None:
        for template in queryset:
            self.delete_model(request, template)


@admin.register(PlatformContact)
class PlatformContactAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "platform", "email", "is_primary"]
    list_filter = ["platform", "is_primary"]
    list_select_related = ["platform"]
    search_fields = ["name", "email", "platform__name"]

    def save_model(self, request: HttpRequest, obj: PlatformContact, form: Any, change: bool) -> None:
        returned = services.platform_contact_save(contact=obj, actor=request.user)  # type: ignore[arg-type]
        if returned:
            self.message_user(
                request,
                _("The address changed, so these approved letters are drafts again and need a new approval: %(refs)s")
                % {"refs": ", ".join(letter.our_reference for letter in returned)},
                messages.WARNING,
            )

    def delete_model(self, request: HttpRequest, obj: PlatformContact) -> None:
        services.platform_contact_delete(contact=obj, actor=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PlatformContact]) -> None:
        for contact in queryset:
            self.delete_model(request, contact)


@admin.register(CorrespondenceEvent)
class CorrespondenceEventAdmin(admin.ModelAdmin):
    """The record of template and contact changes: read, never written, from the admin."""

    list_display = ["at", "kind", "actor", "template", "contact"]
    list_filter = ["kind"]
    list_select_related = ["actor", "template", "contact"]
    fields = ("at", "kind", "actor", "template", "contact", "change")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CorrespondenceEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CorrespondenceEvent | None = None) -> bool:
        return False

    @admin.display(description=_("old and new"))
    def change(self, event: CorrespondenceEvent) -> str:
        old, new = event.data.get("old") or {}, event.data.get("new") or {}
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td><pre>{}</pre></td><td><pre>{}</pre></td></tr>",
            ((key, old.get(key, ""), new.get(key, "")) for key in sorted({*old, *new}) if old.get(key) != new.get(key)),
        )
        return format_html("<table><tr><th></th><th>{}</th><th>{}</th></tr>{}</table>", _("old"), _("new"), rows)
