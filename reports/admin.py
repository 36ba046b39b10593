"""The analysts' dashboard and the internal scorecard, as admin pages, with the report download."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from . import services
from .dashboard import dashboard_figures_cached
from .forms import DashboardFilterForm
from .models import ComplaintDaySummary

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@admin.register(ComplaintDaySummary)
class StatisticsAdmin(admin.ModelAdmin):
    """No list of summary rows: the model's entry in the admin opens the dashboard."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("reports.view_dashboard")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("", view(self.dashboard_view), name="reports_dashboard"),
            path("report.<str:fmt>", view(self.report_view), name="reports_report"),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, str] | None = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:reports_dashboard"))

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        # Always bound: with no parameters every field takes its default (the last 13 weeks).
        form = DashboardFilterForm(request.GET)
        figures = None
        if form.is_valid():
            data = form.cleaned_data
            figures = dashboard_figures_cached(
                period=data["period"], platform_ids=data["platform_ids"], granularity=data["granularity"]
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Statistics dashboard"),
            "form": form,
            "figures": figures,
            "query": request.GET.urlencode(),
        }
        return TemplateResponse(
            request, "admin/reports/dashboard.html", context, status=200 if figures is not None else 400
        )

    def report_view(self, request: HttpRequest, fmt: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if fmt not in CONTENT_TYPES:
            return HttpResponse(_("Unknown report format."), status=404, content_type="text/plain")
        form = DashboardFilterForm(request.GET)
        if not form.is_valid():
            errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
            return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
        period = form.cleaned_data["period"]
        figures = services.report_figures(period=period, platform_ids=form.cleaned_data["platform_ids"])
        content = services.report_xlsx(figures=figures) if fmt == "xlsx" else services.report_pdf(figures=figures)
        # Aggregates only, no PII; logged so that who took which figures out can be told.
        logger.info("report %s %s..%s downloaded by user %s", fmt, period.start, period.end, request.user.pk)
        response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
        filename = services.report_filename(period=period, suffix=fmt)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
