from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"


class ReferenceConverter:
    """A case reference (PTA-2026-000123): anything else, a NUL byte included, never reaches the database."""

    regex = "[A-Za-z0-9-]{1,40}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "reference")

urlpatterns = [
    path("advance-notices/", views.AdvanceNoticeListView.as_view(), name="advance_notices"),
    path("advance-notices/<int:pk>/", views.AdvanceNoticeDetailView.as_view(), name="advance_notice"),
    path(
        "advance-notices/<int:pk>/final-action/",
        views.AdvanceNoticeFinalActionView.as_view(),
        name="advance_notice_final_action",
    ),
    path("letters/", views.LetterListView.as_view(), name="letters"),
    path("letters/<int:pk>/", views.LetterDetailView.as_view(), name="letter"),
    path("letters/<int:pk>/replies/", views.LetterReplyView.as_view(), name="letter_replies"),
    path("cases/", views.CaseListView.as_view(), name="cases"),
    path("cases/<reference:reference>/", views.CaseDetailView.as_view(), name="case"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, and our template drops the inline
    # style: nothing inline for the CSP (script-src and style-src 'self') to allow.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not_found"),
]
