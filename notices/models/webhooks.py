"""Where a platform receives our pushes (responses to its advance notices, new letters), signed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.fields import EncryptedCharField
from complaints.models import Platform


def validate_https(value: str) -> None:
    if not value.lower().startswith("https://"):
        raise ValidationError(_("A webhook must use https://."), code="https_only")


class PlatformWebhook(models.Model):
    """Where a platform receives our pushes (responses to its notices, new letters), and the signing secret."""

    platform = models.OneToOneField(Platform, on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(_("URL"), max_length=500, unique=True, validators=[validate_https])
    # Encrypted at rest with the PII keys (SECRET_KEY + FIELD_ENCRYPTION_SALTS).
    secret = EncryptedCharField(_("signing secret"), max_length=200, validators=[MinLengthValidator(32)])
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("platform webhook")
        verbose_name_plural = _("platform webhooks")

    def __str__(self) -> str:
        return f"{self.platform} → {self.url}"
