"""A JSON parser with a size cap: DRF reads the request stream itself, past DATA_UPLOAD_MAX_MEMORY_SIZE."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .errors import ApiError


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class LimitedJSONParser(JSONParser):
    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise ApiError(code="request_too_large", detail=f"The body is larger than {limit} bytes.", status_code=413)
        try:
            return json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise ParseError(f"The body is not valid JSON: {exc.__class__.__name__}.") from None
