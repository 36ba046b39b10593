"""The cast: citizen Farah, caseworkers Ayesha and Bilal (another platform team), supervisor Sana,
analyst Omar and correspondence officer Zara. Roles are the groups the roles migration creates."""

from __future__ import annotations

import importlib
import os

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from complaints.models import Platform, StaffProfile

from .factories import platform_get

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses that by default.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")

STAFF_PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _clean_cache():
    # Rate-limit counters live in the (real, shared) Redis cache: no test may inherit another's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _publishing_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test inherits another's publishing state: a pause after a failed publish, or a batch task
    published a moment ago that would make this test's submissions skip publishing their own."""
    monkeypatch.setattr("complaints.services.publish._publish_paused_until", 0.0)
    monkeypatch.setattr("notices.services.outbox._publish_paused_until", 0.0)
    monkeypatch.setattr("regulator_portal.batching._covered_until", {})
    # Nor the platforms another test's rolled-back transaction held.
    monkeypatch.setattr("complaints.selectors._platforms_kept", None)


@pytest.fixture(autouse=True)
def _roles_and_letter_templates(request: pytest.FixtureRequest) -> None:
    """The role groups with their permissions, and the seeded letter templates, for every database test.

    Migrations write them, but a transactional test (a browser or worker test) truncates every table
    afterwards, so they are written again here by the migrations' own functions, when they are gone. Those functions
    flip AppConfig.models_module (create_permissions needs that inside a migration); on the live
    registry the original values are put back, or a later flush would stop recreating permissions.
    """
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    )
    if not uses_db:
        return
    request.getfixturevalue("db")
    if Group.objects.filter(name="Caseworker").exists():
        # As migrated: only a transactional test's flush, which empties every table, removes these rows,
        # and writing them again costs a few hundred milliseconds a test.
        return
    originals = {config.label: config.models_module for config in django_apps.get_app_configs()}
    try:
        importlib.import_module("complaints.migrations.0003_roles").roles_create(django_apps, None)
        importlib.import_module("complaints.migrations.0008_rejection_reasons").supervisors_approve_notes(
            django_apps, None
        )
        importlib.import_module("notices.migrations.0002_permissions_and_letter_templates").grant(django_apps, None)
        importlib.import_module("notices.migrations.0006_supervisors_own_templates_and_contacts").tighten(
            django_apps, None
        )
        importlib.import_module("notices.migrations.0013_letters_official_wording").forward(django_apps, None)
        importlib.import_module("notices.migrations.0011_advance_notice_permissions").grant(django_apps, None)
        importlib.import_module("api.migrations.0002_supervisor_permissions").grant(django_apps, None)
        importlib.import_module("reports.migrations.0001_exports").grant(django_apps, None)
        importlib.import_module("reports.migrations.0002_statistics").grant(django_apps, None)
    finally:
        for config in django_apps.get_app_configs():
            config.models_module = originals[config.label]


@pytest.fixture
def x_platform(db) -> Platform:
    return platform_get("x")


@pytest.fixture
def facebook_platform(db) -> Platform:
    return platform_get("facebook")


def _staff(username: str, role: str, *, first_name: str, platforms: list[Platform] | None = None) -> User:
    user = User.objects.create_user(
        username=username,
        password=STAFF_PASSWORD,
        email=f"{username}@pta.example",
        first_name=first_name,
        is_staff=True,
    )
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    if platforms:
        profile.platforms.set(platforms)
    return user


@pytest.fixture
def ayesha(db, x_platform) -> User:
    return _staff("ayesha", "Caseworker", first_name="Ayesha", platforms=[x_platform])


@pytest.fixture
def bilal(db, facebook_platform) -> User:
    return _staff("bilal", "Caseworker", first_name="Bilal", platforms=[facebook_platform])


@pytest.fixture
def sana(db) -> User:
    return _staff("sana", "Supervisor", first_name="Sana")


@pytest.fixture
def omar(db) -> User:
    return _staff("omar", "Analyst", first_name="Omar")


@pytest.fixture
def zara(db) -> User:
    return _staff("zara", "Correspondence officer", first_name="Zara")


pytest_plugins = ["tests.browser"]
