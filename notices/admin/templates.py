"""Letter templates and platform contacts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.template import Template, TemplateSyntaxError

from complaints.models import PlatformContact

from ..models import (
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
                Template(cleaned.get(name, ""))
            except TemplateSyntaxError as error:
                self.add_error(name, str(error))
        return cleaned


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    form = LetterTemplateForm
    list_display = ["letter_type", "language", "subject"]
    list_filter = ["letter_type", "language"]


@admin.register(PlatformContact)
class PlatformContactAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "platform", "email", "is_primary"]
    list_filter = ["platform", "is_primary"]
    list_select_related = ["platform"]
    search_fields = ["name", "email", "platform__name"]
