"""Advance notices: a platform submits one or a batch, reads our answer, and reports what it finally did."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from notices.models import AdvanceNotice, AdvanceNoticeDuplicate, AdvanceNoticeError
from notices.models.advance import decision_key
from notices.services import advance_notice_final_action, advance_notice_submit

from .. import selectors
from ..errors import ApiError
from ..serializers_advance import (
    BATCH_MAX,
    AdvanceNoticeInputSerializer,
    AdvanceNoticeSerializer,
    FinalActionInputSerializer,
)
from .base import PlatformAPIView
from .letters import ERRORS, IDEMPOTENCY_PARAMETER


def _domain_error(exc: Exception, *, index: int | None = None) -> Exception:
    """The services' refusals as API errors; ``index`` places an item's error in a batch."""
    at = {} if index is None else {"index": index}
    if isinstance(exc, AdvanceNoticeDuplicate):
        return ApiError(code="duplicate", detail=str(exc), existing_id=exc.existing_id, **at)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return ValidationError(errors if index is None else {str(index): errors})
    return ApiError(code="refused", detail=str(exc), **at)


class AdvanceNoticeReadMixin(PlatformAPIView):
    serializer_class = AdvanceNoticeSerializer

    def get_queryset(self) -> QuerySet[AdvanceNotice]:
        return selectors.platform_advance_notices(platform=self.platform)


class AdvanceNoticeListView(AdvanceNoticeReadMixin):
    @extend_schema(operation_id="advance_notices_list", responses={200: AdvanceNoticeSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AdvanceNoticeSerializer(page, many=True).data)

    @extend_schema(
        operation_id="advance_notices_create",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=PolymorphicProxySerializer(
            "AdvanceNoticeSubmission",
            serializers=[AdvanceNoticeInputSerializer, AdvanceNoticeInputSerializer(many=True, max_length=BATCH_MAX)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={
            201: PolymorphicProxySerializer(
                "AdvanceNoticeSubmitted",
                serializers=[AdvanceNoticeSerializer, AdvanceNoticeSerializer(many=True)],
                resource_type_field_name=None,
                many=False,
            ),
            **ERRORS,
        },
        description=f"One notice (an object) or up to {BATCH_MAX} (an array), all or none.",
    )
    def post(self, request: Request) -> Response:
        return self.idempotent(request, lambda: self._submit(request.data))

    def _submit(self, body: Any) -> Response:
        batch = isinstance(body, list)
        if batch and len(body) > BATCH_MAX:
            raise ApiError(code="batch_too_large", detail=f"Send at most {BATCH_MAX} notices per request.")
        if batch and not body:
            raise ApiError(code="batch_empty", detail="Send at least one notice.")
        serializer = AdvanceNoticeInputSerializer(data=body, many=batch)
        if not serializer.is_valid():
            errors = serializer.errors
            # A batch's errors are keyed by the item's position, and only the failing items are named.
            raise ValidationError(
                {str(i): e for i, e in enumerate(errors) if e} if isinstance(errors, list) else errors
            )
        items: list[dict[str, Any]] = serializer.validated_data if batch else [serializer.validated_data]
        self._refuse_repeats(items)
        notices = []
        # A batch is all or nothing: this runs inside idempotent()'s transaction, which a refusal rolls back.
        for index, item in enumerate(items):
            try:
                notices.append(
                    advance_notice_submit(platform=self.platform, data=item, source=AdvanceNotice.Source.API)
                )
            except (AdvanceNoticeError, DjangoValidationError) as exc:
                raise _domain_error(exc, index=index if batch else None) from None
        data = AdvanceNoticeSerializer(notices, many=True).data
        return Response(data if batch else data[0], status=status.HTTP_201_CREATED)

    @staticmethod
    def _refuse_repeats(items: list[dict[str, Any]]) -> None:
        """The same decision twice in one batch: refused here, where no existing_id could point at it."""
        seen: dict[tuple[str, str], int] = {}
        for index, item in enumerate(items):
            key = (
                item["puid"].strip(),
                decision_key(
                    decision_account=item["decision_account"], decision_visibility=item["decision_visibility"]
                ),
            )
            if key in seen:
                raise ValidationError({str(index): {"puid": [f"The same decision as item {seen[key]}."]}})
            seen[key] = index


class AdvanceNoticeDetailView(AdvanceNoticeReadMixin):
    @extend_schema(operation_id="advance_notices_retrieve", responses={200: AdvanceNoticeSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(AdvanceNoticeSerializer(self.get_object()).data)


class AdvanceNoticeFinalActionView(AdvanceNoticeReadMixin):
    @extend_schema(
        operation_id="advance_notices_final_action",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=FinalActionInputSerializer,
        responses={200: AdvanceNoticeSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.idempotent(request, lambda: self._final_action(request.data, pk))

    def _final_action(self, body: Any, pk: int) -> Response:
        notice = self.get_object()
        serializer = FinalActionInputSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            notice = advance_notice_final_action(
                notice=notice, action=data["action"], date=data["date"], note=data["note"]
            )
        except (AdvanceNoticeError, DjangoValidationError) as exc:
            raise _domain_error(exc) from None
        return Response(AdvanceNoticeSerializer(notice).data)
