from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("new/", views.complaint_new, name="new"),
    path("new/sent/", views.complaint_submitted, name="submitted"),
    path("track/", views.complaint_track, name="track"),
]
