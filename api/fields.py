"""Input fields that refuse what DRF would quietly coerce: a platform sends the type the schema says."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A string, and only a string (DRF's CharField turns 12 into "12"), that PostgreSQL can store."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate ("\ud800") parses as JSON but is not text: the database would refuse it.
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false, not "yes", 1 or "on"."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictSerializer(serializers.Serializer):
    """A serializer that names the fields it does not know instead of ignoring them."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(k) for k in data if k not in self.fields or self.fields[str(k)].read_only)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown[:20]})
        return super().to_internal_value(data)


class StrictDateTimeField(serializers.DateTimeField):
    """An ISO 8601 string with its UTC offset: a deadline must not depend on whose clock reads it."""

    def to_internal_value(self, value: Any) -> Any:
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DDThh:mm:ss+hh:mm")
        parsed = parse_datetime(value) if len(value) <= 40 else None
        if parsed is None or parsed.tzinfo is None:
            self.fail("invalid", format="YYYY-MM-DDThh:mm:ss+hh:mm")
        return super().to_internal_value(value)


class StrictDateField(serializers.DateField):
    def to_internal_value(self, value: Any) -> Any:
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)
