from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from complaints.views import evidence_download, evidence_thumbnail

from . import errors
from .health import healthz

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    # Outside i18n_patterns: staff work in English, and the URL must not vary by language.
    path("staff/evidence/<int:evidence_id>/", evidence_download, name="evidence_download"),
    path("staff/evidence/<int:evidence_id>/thumbnail/", evidence_thumbnail, name="evidence_thumbnail"),
]
urlpatterns += i18n_patterns(
    path("complaints/", include("complaints.urls")),
    path("statistics/", include("reports.urls")),
    path("", RedirectView.as_view(pattern_name="complaints:new", permanent=False), name="home"),
)
