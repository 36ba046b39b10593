"""What every platform API view shares: the token, the limits, JSON errors, the request log, idempotent POSTs."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from complaints.models import Platform

from ..authentication import PlatformTokenAuthentication, request_token
from ..errors import ApiError, api_exception_handler
from ..models import IdempotencyRecord, PlatformToken
from ..parsers import LimitedJSONParser
from ..services import api_request_log
from ..throttling import PlatformTokenThrottle

IDEMPOTENCY_HEADER = "Idempotency-Key"


class AsciiJSONRenderer(JSONRenderer):
    """JSON with every non-ASCII character escaped: a lone surrogate echoed in an error cannot break the answer."""

    ensure_ascii = True


class ApiPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 100


class PlatformAPIView(GenericAPIView):
    authentication_classes = [PlatformTokenAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [LimitedJSONParser]
    renderer_classes = [AsciiJSONRenderer]
    pagination_class = ApiPagination
    throttle_classes = [PlatformTokenThrottle]

    def get_exception_handler(self) -> Callable[..., Response | None]:
        return api_exception_handler

    @property
    def platform(self) -> Platform:
        return request_token(self.request).platform

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        status_code = 500
        try:
            response = super().dispatch(request, *args, **kwargs)
            status_code = response.status_code
            return response
        finally:
            # Authentication is lazy on DRF's request; read what it found without triggering it again.
            token = getattr(self.request, "_auth", None) if hasattr(self, "request") else None
            token = token if isinstance(token, PlatformToken) else None
            match = request.resolver_match
            api_request_log(
                platform_id=token.platform_id if token else None,
                token_id=token.pk if token else None,
                method=request.method or "",
                endpoint="/" + match.route if match else request.path[:200],
                status_code=status_code,
                duration_ms=int((time.monotonic() - started) * 1000),
            )

    def idempotent(self, request: Request, handle: Callable[[], Response]) -> Response:
        """Run ``handle`` once per Idempotency-Key; replay its answer to every retry with the same body.

        The key is claimed by inserting its row in the same transaction as the work. A concurrent
        request with the same key blocks on the unique index until the first commits (then replays its
        answer) or rolls back (then does the work itself): one wins, nothing is done twice. Refusals
        (4xx) roll back with the work, so a corrected body may reuse the key.
        """
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        if not key:
            raise ApiError(
                code="idempotency_key_required", detail=f"Send an {IDEMPOTENCY_HEADER} header.", status_code=400
            )
        if len(key) > 255 or not key.isascii() or not key.isprintable():
            raise ApiError(
                code="idempotency_key_invalid",
                detail="The key must be 1-255 printable ASCII characters.",
                status_code=400,
            )
        body = json.dumps({"path": request.path, "body": request.data}, sort_keys=True, separators=(",", ":"))
        request_hash = hashlib.sha256(body.encode()).hexdigest()
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        platform=self.platform, key=key, request_hash=request_hash, status_code=0, response_body={}
                    )
            except IntegrityError:
                return self._replay(key=key, request_hash=request_hash)
            response = handle()
            if response.status_code >= 400:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response_body = json.loads(AsciiJSONRenderer().render(response.data))
            record.save(update_fields=["status_code", "response_body"])
        return response

    def _replay(self, *, key: str, request_hash: str) -> Response:
        record = IdempotencyRecord.objects.get(platform=self.platform, key=key)
        if record.request_hash != request_hash:
            raise ApiError(
                code="idempotency_key_reused",
                detail=f"This {IDEMPOTENCY_HEADER} was used with another request; use a new key.",
            )
        return Response(record.response_body, status=record.status_code, headers={"Idempotent-Replayed": "true"})


class NotFoundView(PlatformAPIView):
    """Any other path under the API: a JSON 404, not the portal's HTML page."""

    schema = None

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound()

    post = put = patch = delete = get
