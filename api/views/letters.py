"""Letters addressed to the platform, with their annex as consent allows, and the platform's replies."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from complaints.models import Complaint
from complaints.services import complaint_pii_export_record
from notices.models import Letter
from notices.services import CaseOutcomeInput, LetterError, reply_record

from .. import selectors
from ..errors import ApiError
from ..serializers import ErrorSerializer, LetterSerializer, ReplyInputSerializer, ReplySerializer
from ..services import platform_actor
from .base import IDEMPOTENCY_HEADER, PlatformAPIView

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=True, description="Unique per intended write."
)
ERRORS = {code: ErrorSerializer for code in (400, 401, 404, 413, 415, 422, 429)}


def _annex(letter: Letter) -> tuple[list[dict[str, Any]], list[Complaint]]:
    """The annex rows as plain data, and the complaints whose complainant's name they carry."""
    rows, shared = [], []
    for case in letter.annex_cases:  # type: ignore[attr-defined]
        complaints: list[Complaint] = case.annex_complaints
        first = complaints[0] if complaints else None
        consenting = [c for c in complaints if c.consent_share_with_platform]
        shared.extend(consenting)
        rows.append(
            {
                "case_reference": case.reference,
                "account_handle": case.account_handle,
                "account_url": next((c.account_url for c in complaints if c.account_url), ""),
                "action_type": first.action_type if first else "",
                "action_date": first.action_date if first else None,
                "complaint_count": len(complaints),
                "complainants": [
                    {
                        "full_name": c.full_name,
                        "account_handle": c.account_handle,
                        "account_url": c.account_url,
                        "platform_account_id": c.platform_account_id,
                    }
                    for c in consenting
                ],
            }
        )
    return rows, shared


class LetterReadMixin(PlatformAPIView):
    serializer_class = LetterSerializer

    def get_queryset(self) -> QuerySet[Letter]:
        return selectors.platform_letters(platform=self.platform)

    def render_letters(self, letters: list[Letter]) -> list[dict[str, Any]]:
        """Serialize, logging each complainant whose name leaves the portal as an export by the platform."""
        actor = platform_actor(platform=self.platform)
        for letter in letters:
            letter.annex_rows, shared = _annex(letter)  # type: ignore[attr-defined]
            complaint_pii_export_record(complaints=shared, actor=actor, export=f"API {letter.our_reference}")
        return list(LetterSerializer(letters, many=True).data)


class LetterListView(LetterReadMixin):
    @extend_schema(operation_id="letters_list", responses={200: LetterSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None
        return self.get_paginated_response(self.render_letters(page))


class LetterDetailView(LetterReadMixin):
    @extend_schema(operation_id="letters_retrieve", responses={200: LetterSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(self.render_letters([self.get_object()])[0])


class LetterReplyView(PlatformAPIView):
    serializer_class = ReplyInputSerializer

    @extend_schema(
        operation_id="letters_replies_create",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=ReplyInputSerializer,
        responses={201: ReplySerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.idempotent(request, lambda: self._reply(request, pk))

    def _reply(self, request: Request, pk: int) -> Response:
        letter = selectors.platform_letter_for_reply(platform=self.platform, letter_id=pk)
        if letter is None:
            raise ApiError(code="not_found", detail="No such letter.", status_code=status.HTTP_404_NOT_FOUND)
        serializer = ReplyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        items = data.get("outcomes", [])
        cases = selectors.letter_cases_by_reference(letter=letter, references=[i["case"] for i in items])
        missing = [i["case"] for i in items if i["case"] not in cases]
        if missing:
            raise ApiError(code="reply_refused", detail=f"Not cases of this letter: {', '.join(missing[:20])}.")
        try:
            reply = reply_record(
                letter=letter,
                received_at=timezone.now(),
                ticket_ref=data["platform_ticket_ref"],
                text=data["text"],
                kind=data["kind"],
                outcomes=[
                    CaseOutcomeInput(case=cases[i["case"]], action_taken=i["action_taken"], outcome=i["outcome"])
                    for i in items
                ],
                attachments=[],
                actor=platform_actor(platform=self.platform),
            )
        except LetterError as exc:
            raise ApiError(code="reply_refused", detail=str(exc)) from None
        return Response(ReplySerializer(reply).data, status=status.HTTP_201_CREATED)
