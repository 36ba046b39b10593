"""The admin site, with a second factor for every staff account.

OTPAdminSite treats a signed-in user who has not been verified by a TOTP device as if they were
not staff, and its login form asks for the token beside the password. Staff without a device can
therefore never get in: ``manage.py totp_enrol <username>`` gives them one (docs/cases.md).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.models import Device


class PortalAuthenticationForm(OTPAdminAuthenticationForm):
    """Username, password and the code, in one step.

    django-otp asks the user to pick a device when none is chosen, which costs staff a second
    round-trip. Staff here have one authenticator each (totp_enrol), so that one is used; someone
    with several devices still picks one from the list.
    """

    def clean_otp(self, user: Any) -> None:
        # A refused code counts as a failed sign-in for django-axes, like a wrong password: someone
        # who has the password must not get unlimited guesses at the code. That includes codes that
        # django-otp's throttling refused unchecked: they are guesses all the same.
        try:
            super().clean_otp(user)
        except ValidationError:
            if self.cleaned_data.get("otp_token"):
                user_login_failed.send(
                    sender=type(self), credentials={"username": user.get_username()}, request=self.request
                )
            raise

    def _chosen_device(self, user: Any) -> Device | None:
        device = super()._chosen_device(user)
        if device is None:
            devices = list(devices_for_user(user, confirmed=True, for_verify=True))
            if len(devices) == 1:
                device = devices[0]
        return device


class PortalAdminSite(OTPAdminSite):
    login_form = PortalAuthenticationForm
    login_template = "admin/login_otp.html"
    site_header = _("Complaints administration")
    site_title = _("Complaints administration")
    index_title = _("Administration")

    def __init__(self, name: str = "admin") -> None:
        # The name "admin" keeps every {% url 'admin:...' %} in Django's and our templates working.
        super().__init__(name)

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Each role starts at its own work; ``?models=1`` is the usual list of models, for everyone.

        A caseworker lands on their cases, an analyst on the dashboard, a supervisor on the team's
        workload and what waits for their approval, a correspondence officer on the referrals and
        letters to send. Anyone else (no role) gets the list of models.
        """
        from complaints.selectors import user_is_caseworker
        from notices.selectors_landing import correspondence_landing, supervisor_landing
        from reports.selectors import user_is_analyst

        user = request.user
        if "models" in request.GET:
            return super().index(request, extra_context)
        if user_is_caseworker(user):
            return redirect(reverse("admin:complaints_case_my"))
        if user_is_analyst(user):
            return redirect(reverse("admin:reports_dashboard"))
        if user.has_perm("complaints.assign_case"):
            return self._landing(
                request,
                "admin/landing/supervisor.html",
                _("Team overview"),
                supervisor_landing(user, now=timezone.now()),
            )
        if user.has_perm("notices.send_letter"):
            return self._landing(
                request,
                "admin/landing/correspondence.html",
                _("Referrals and letters"),
                correspondence_landing(user, now=timezone.now()),
            )
        return super().index(request, extra_context)

    def _landing(self, request: HttpRequest, template: str, title: Any, data: dict[str, Any]) -> HttpResponse:
        request.current_app = self.name
        context = {**self.each_context(request), "title": title, **data}
        return TemplateResponse(request, template, context)
