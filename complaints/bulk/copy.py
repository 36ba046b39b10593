"""Rows as PostgreSQL's COPY text, and the table layouts that the generators fill in.

A layout lists every concrete column of a model in order. The generator supplies the columns it
varies, already as COPY text; every other column gets the model field's default, rendered once.
Rendering rows to text in the generating processes leaves the loading process nothing to do but
pass bytes to the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import models

NULL = r"\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
    """One value as a field of COPY's text format."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).translate(_ESCAPES)


class Layout:
    """The COPY column list of a model and a template that renders one row of it."""

    def __init__(self, model: type[models.Model], *, varied: Iterable[str], skip_pk: bool = False) -> None:
        varied = set(varied)
        fields = [f for f in model._meta.concrete_fields if not (skip_pk and f.primary_key)]
        unknown = varied - {f.attname for f in fields}
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        self.table = model._meta.db_table
        self.columns = [str(f.column) for f in fields]
        parts = []
        for field in fields:
            if field.attname in varied:
                parts.append("{" + field.attname + "}")
            else:
                parts.append(copy_text(_default(field)).replace("{", "{{").replace("}", "}}"))
        self._template = "\t".join(parts) + "\n"

    def row(self, values: dict[str, str]) -> str:
        return self._template.format_map(values)

    @property
    def sql(self) -> str:
        # Table and column names come from the models, never from input.
        return f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN"


def _default(field: models.Field) -> Any:
    if field.has_default():
        value = field.get_default()
        return json.dumps(value) if isinstance(field, models.JSONField) else value
    return None if field.null else ""
