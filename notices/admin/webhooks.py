"""Platforms' webhooks in the admin: supervisors register the endpoint; the secret is never shown back."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import (
    PlatformWebhook,
)


class PlatformWebhookForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    # The secret is write-only in the admin: shown to nobody, replaced only when a new one is typed.
    secret = forms.CharField(
        label=_("signing secret"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        min_length=32,
        max_length=200,
        help_text=_("At least 32 characters, shared with the platform. Leave blank to keep the current one."),
    )

    class Meta:
        model = PlatformWebhook
        fields = ["platform", "url", "secret", "is_active"]

    def clean_secret(self) -> str:
        secret: str = self.cleaned_data.get("secret") or ""
        if not secret and not self.instance.pk:
            raise forms.ValidationError(_("Give the signing secret."))
        return secret or self.instance.secret


@admin.register(PlatformWebhook)
class PlatformWebhookAdmin(admin.ModelAdmin):
    form = PlatformWebhookForm
    list_display = ["platform", "url", "is_active", "updated_at"]
    list_select_related = ["platform"]
