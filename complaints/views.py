from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def complaint_new(request: HttpRequest) -> HttpResponse:
    return render(request, "complaints/new.html", {})
