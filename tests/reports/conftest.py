"""Fixtures for the exports tests. The signed-in admin client, the worker process and the private
redis-server are the notices tests' own fixtures, reused."""

from __future__ import annotations

import csv
import importlib
import io
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.http import HttpResponse
from openpyxl import load_workbook

from tests.notices.conftest import private_redis, staff_client, use_broker, wait_for  # noqa: F401


@pytest.fixture(autouse=True)
def _export_permissions(request: pytest.FixtureRequest) -> None:
    """The reports migration's grants, written again after a transactional test's flush (see tests/conftest.py)."""
    if not (
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    ) and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("_roles_and_letter_templates")
    originals = {config.label: config.models_module for config in django_apps.get_app_configs()}
    try:
        importlib.import_module("reports.migrations.0001_exports").grant(django_apps, None)
    finally:
        for config in django_apps.get_app_configs():
            config.models_module = originals[config.label]


def body_of(response: HttpResponse) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]


def csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV starts with a byte-order mark so that Excel reads Urdu"
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_sheets(data: bytes) -> dict[str, list[list[Any]]]:
    workbook = load_workbook(io.BytesIO(data))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def xlsx_formula_cells(data: bytes) -> list[str]:
    workbook = load_workbook(io.BytesIO(data))
    return [
        cell.coordinate
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
