"""Exports in the admin: the actions on the complaint, case, letter and PII log changelists, the job
page with its progress and download, and the export log (read-only).

``complaints`` must never import ``reports``, so the export actions are added here to the admins
those apps registered (this module is imported after theirs: reports comes later in
INSTALLED_APPS). Each action is shown only to users with ``reports.export_data``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from . import services
from .changelists import changelist_source
from .dashboard import dashboard_figures_cached
from .datasets import DATASETS, MODEL_DATASETS
from .forms import DashboardFilterForm
from .models import ComplaintDaySummary, ExportJob, ExportLog, Format
from .selectors import export_job_for_user, export_with_pii, filters_for_log, user_may_export

ExportAction = Callable[[admin.ModelAdmin, HttpRequest, QuerySet[Any]], HttpResponseBase | None]


def _export(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any], *, fmt: str, every: bool
) -> HttpResponseBase | None:
    """Export the ticked rows, or (``every``) all the rows that match the changelist's filters and search.

    The changelist's form posts to its own URL, so request.GET holds its filters; ``queryset`` is
    already filtered by them and by what this user may see.
    """
    user = cast(User, request.user)
    spec = MODEL_DATASETS[model_admin.model]
    query = request.GET.copy()
    # Django's "Select all N" on a changelist means the same as exporting everything that matches.
    every = every or request.POST.get("select_across") == "1"
    if every:
        rows = model_admin.get_changelist_instance(request).get_queryset(request)
        ids = None
    else:
        ids = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        rows = queryset
    filters = filters_for_log({key: query.getlist(key) for key in query})
    if ids is not None:
        filters["selected"] = [str(len(ids))]
    try:
        result = services.export_start(
            user=user,
            spec=spec,
            queryset=rows,
            fmt=fmt,
            source=changelist_source(model=model_admin.model, query=query, ids=ids),
            filters=filters,
        )
    except services.ExportRefused as refused:
        model_admin.message_user(request, str(refused), messages.ERROR)
        return None
    if isinstance(result, ExportJob):
        model_admin.message_user(
            request, _("The export of %(n)d rows is being prepared.") % {"n": result.rows_total}, messages.INFO
        )
        return HttpResponseRedirect(reverse("admin:reports_exportjob_progress", args=[result.pk]))
    response = StreamingHttpResponse(result.chunks, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    response["Cache-Control"] = "no-store"
    return response


DESCRIPTIONS = {
    (False, Format.CSV): _("Export selected (CSV)"),
    (False, Format.XLSX): _("Export selected (XLSX)"),
    (True, Format.CSV): _("Export all that match the current filters (CSV)"),
    (True, Format.XLSX): _("Export all that match the current filters (XLSX)"),
}


def _action(fmt: str, *, every: bool) -> ExportAction:
    def action(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponseBase | None:
        return _export(model_admin, request, queryset, fmt=fmt, every=every)

    action.__name__ = f"reports_export_{'all' if every else 'selected'}_{fmt}"
    return admin.action(description=DESCRIPTIONS[every, Format(fmt)], permissions=["export"])(action)


EXPORT_ACTIONS = [_action(fmt, every=every) for every in (False, True) for fmt in (Format.CSV, Format.XLSX)]


def _has_export_permission(request: HttpRequest) -> bool:
    return user_may_export(request.user)


def export_actions_attach(model: type[Model]) -> None:
    """Add the export actions to the admin registered for ``model``, for users with reports.export_data."""
    model_admin = admin.site.get_model_admin(model)
    model_admin.actions = [*(model_admin.actions or []), *EXPORT_ACTIONS]
    # The actions' permissions=["export"] make Django ask the admin for has_export_permission(request).
    model_admin.has_export_permission = _has_export_permission  # type: ignore[attr-defined]


for exportable in MODEL_DATASETS:
    export_actions_attach(exportable)


# --- The export log and the jobs -------------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "dataset", "format", "via", "row_count", "with_pii"]
    list_filter = ["dataset", "format", "via", "with_pii", "at"]
    list_select_related = ["user"]
    fields = ["at", "user", "dataset", "format", "via", "filters", "row_count", "with_pii"]
    readonly_fields = ["at", "user", "dataset", "format", "via", "filters", "row_count", "with_pii"]
    show_full_result_count = False


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    """No list: a job is reached from the action that started it, and only by the user who did."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:job_id>/", view(self.progress_view), name="reports_exportjob_progress"),
            path("<int:job_id>/status/", view(self.status_view), name="reports_exportjob_status"),
            path("<int:job_id>/download/", view(self.download_view), name="reports_exportjob_download"),
            path("dictionary/<str:dataset>.csv", view(self.dictionary_view), name="reports_exportjob_dictionary"),
        ]

    def _job(self, request: HttpRequest, job_id: int) -> ExportJob:
        job = export_job_for_user(user=request.user, job_id=job_id)
        if job is None:
            raise Http404
        return job

    def progress_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = self._job(request, job_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Export of %(dataset)s") % {"dataset": job.log.get_dataset_display()},
            "job": job,
            "status": _job_status(job),
        }
        return TemplateResponse(request, "admin/reports/exportjob/progress.html", context)

    def status_view(self, request: HttpRequest, job_id: int) -> JsonResponse:
        return JsonResponse(_job_status(self._job(request, job_id)))

    def download_view(self, request: HttpRequest, job_id: int) -> FileResponse:
        job = self._job(request, job_id)
        if job.status != ExportJob.Status.DONE or not job.file:
            raise Http404
        response = FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)
        response["Content-Type"] = services.CONTENT_TYPES[Format(job.log.format)]
        response["Cache-Control"] = "no-store"
        return response

    def dictionary_view(self, request: HttpRequest, dataset: str) -> HttpResponse:
        spec = DATASETS.get(dataset)
        if spec is None or not user_may_export(request.user):
            raise Http404
        columns = spec.columns_for(with_pii=export_with_pii(request.user, spec))
        response = HttpResponse(services.export_dictionary_csv(columns=columns), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{dataset}-dictionary.csv"'
        return response


def _job_status(job: ExportJob) -> dict[str, Any]:
    done = job.status == ExportJob.Status.DONE
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "rows_written": job.rows_written,
        "rows_total": job.rows_total,
        "finished": job.status in ExportJob.FINISHED,
        "download": reverse("admin:reports_exportjob_download", args=[job.pk]) if done else "",
        "error": job.error,
    }


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
