"""The rows an admin changelist shows, found again later (by a worker) for the same user.

An export of everything that matches the changelist's filters keeps the changelist's query string;
the worker builds the same ChangeList from it, as that user, so the admin's own filters, search and
visibility rules (a caseworker sees only their cases) decide the rows, exactly as on the page.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.http import HttpRequest, QueryDict
from django.urls import reverse


def changelist_source(*, model: type[Model], query: QueryDict, ids: list[str] | None) -> dict[str, Any]:
    source: dict[str, Any] = {"model": model._meta.label_lower, "query": query.urlencode()}
    if ids is not None:
        source["ids"] = ids
    return source


def changelist_queryset(*, user: User, source: dict[str, Any]) -> QuerySet[Model] | None:
    """The rows ``source`` names, as ``user`` may see them now; None if they may not see the changelist."""
    model = apps.get_model(source["model"])
    model_admin = admin.site.get_model_admin(model)
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    request = HttpRequest()
    request.method, request.path = "GET", url
    request.GET = QueryDict(source["query"])
    request.user = user
    if not model_admin.has_view_or_change_permission(request):
        return None
    try:
        rows = model_admin.get_changelist_instance(request).get_queryset(request)
    except IncorrectLookupParameters:
        return None
    if "ids" in source:
        rows = rows.filter(pk__in=source["ids"])
    return rows
