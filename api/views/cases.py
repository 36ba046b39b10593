"""The status of the cases referred to the platform: no complainant data at all."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from complaints.models import Case

from .. import selectors
from ..serializers import CaseSerializer
from .base import PlatformAPIView
from .letters import ERRORS


class CaseReadMixin(PlatformAPIView):
    serializer_class = CaseSerializer
    lookup_field = "reference"

    def get_queryset(self) -> QuerySet[Case]:
        return selectors.platform_cases(platform=self.platform)


class CaseListView(CaseReadMixin):
    @extend_schema(operation_id="cases_list", responses={200: CaseSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CaseSerializer(page, many=True).data)


class CaseDetailView(CaseReadMixin):
    @extend_schema(operation_id="cases_retrieve", responses={200: CaseSerializer, **ERRORS})
    def get(self, request: Request, reference: str) -> Response:
        return Response(CaseSerializer(self.get_object()).data)
