from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"

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
    path("cases/<str:reference>/", views.CaseDetailView.as_view(), name="case"),
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
