"""Vocabulary shared by the models (roles, provinces, languages), the platforms with their contacts,
the staff profile and the reference counter."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InvalidTransition(Exception):
    """A status change that the model's transition table does not allow."""


class CaseActionError(Exception):
    """An assignment, merge, split or triage that the state of the rows does not allow."""


class Role:
    """The staff groups that the roles migration creates. Other apps grant permissions to them by name."""

    CASEWORKER = "Caseworker"
    SUPERVISOR = "Supervisor"
    CORRESPONDENCE_OFFICER = "Correspondence officer"
    ANALYST = "Analyst"


class Province(models.TextChoices):
    PUNJAB = "PK-PB", _("Punjab")
    SINDH = "PK-SD", _("Sindh")
    KHYBER_PAKHTUNKHWA = "PK-KP", _("Khyber Pakhtunkhwa")
    BALOCHISTAN = "PK-BA", _("Balochistan")
    ISLAMABAD = "PK-IS", _("Islamabad Capital Territory")
    GILGIT_BALTISTAN = "PK-GB", _("Gilgit-Baltistan")
    AJK = "PK-JK", _("Azad Jammu and Kashmir")


class Language(models.TextChoices):
    URDU = "ur", _("Urdu")
    ENGLISH = "en", _("English")


class Platform(models.Model):
    """A platform the regulator corresponds with. Seeded, and editable in the admin."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The hosts whose profile URLs we accept for this platform, e.g. "x.com twitter.com".
    profile_hosts = models.CharField(_("profile URL hosts"), max_length=255, blank=True)
    response_hours = models.PositiveIntegerField(
        _("response deadline (hours)"), default=72, help_text=_("How long the platform has to answer a letter.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")

    def __str__(self) -> str:
        return self.name

    @property
    def hosts(self) -> list[str]:
        return self.profile_hosts.split()


class PlatformContact(models.Model):
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(
        _("role"), max_length=200, help_text=_('e.g. "Trust and Safety", "grievance officer in Pakistan"')
    )
    email = models.EmailField(_("email"))
    is_primary = models.BooleanField(_("primary contact"), default=True)

    class Meta:
        ordering = ["platform", "-is_primary", "name"]
        verbose_name = _("platform contact")
        verbose_name_plural = _("platform contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.role}, {self.platform})"


class StaffProfile(models.Model):
    """What assignment needs to know about a member of staff."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    is_away = models.BooleanField(_("away"), default=False, help_text=_("Away staff get no new cases."))
    # Empty means the caseworker takes cases for every platform.
    platforms = models.ManyToManyField(Platform, blank=True, related_name="team", verbose_name=_("platform team"))
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)


class ReferenceCounter(models.Model):
    """One row per (kind, year); incremented under its row lock so references never collide."""

    scope = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "year"], name="unique_counter_scope_year")]

    def __str__(self) -> str:
        return f"{self.scope} {self.year}: {self.value}"
