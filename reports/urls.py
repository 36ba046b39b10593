from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.statistics, name="statistics"),
    path("data.csv", views.statistics_csv, name="statistics_csv"),
    path("data.json", views.statistics_json, name="statistics_json"),
]
