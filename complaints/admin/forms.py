"""Forms behind the buttons on the case and complaint pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .. import selectors_staff
from ..models import (
    Case,
    Complaint,
)


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
        self.fields["to"].queryset = selectors_staff.caseworkers()  # type: ignore[attr-defined]


class MergeForm(forms.Form):
    target = forms.CharField(max_length=40, help_text=_("Reference of the case that keeps the complaints."))


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Case.Priority.choices)


class TriageForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "accept"), ("reject", "reject"), ("duplicate", "duplicate")])
    reason = forms.ChoiceField(choices=[("", "---------"), *Complaint.RejectionReason.choices], required=False)
    note = forms.CharField(required=False, max_length=1000)
    duplicate_of = forms.CharField(required=False, max_length=40)


def method_decorator_post(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """require_POST for a ModelAdmin method: the buttons change data, so a GET is a 405."""

    def wrapped(self: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return require_POST(lambda req: view(self, req, *args, **kwargs))(request)

    wrapped.__name__ = view.__name__
    return wrapped
