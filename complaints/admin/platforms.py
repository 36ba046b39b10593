"""Platforms, staff profiles and the PII access log."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.filters import DateFieldListFilter
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..models import (
    PiiAccessLog,
    Platform,
    PlatformContact,
    StaffProfile,
)
from .base import ScaledModelAdmin


class PlatformContactInline(admin.TabularInline):
    model = PlatformContact
    extra = 0


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "profile_hosts", "response_hours", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PlatformContactInline]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "is_away", "team", "last_assigned_at"]
    list_filter = ["is_away", "platforms"]
    list_editable = ["is_away"]
    raw_id_fields = ["user"]
    filter_horizontal = ["platforms"]
    readonly_fields = ["last_assigned_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StaffProfile]:
        return super().get_queryset(request).select_related("user").prefetch_related("platforms")

    @admin.display(description=_("platform team"))
    def team(self, profile: StaffProfile) -> str:
        return ", ".join(p.name for p in profile.platforms.all()) or str(_("all platforms"))


@admin.register(PiiAccessLog)
class PiiAccessLogAdmin(ScaledModelAdmin):
    list_display = ["at", "user", "action", "complaint"]
    list_filter = ["action", ("at", DateFieldListFilter)]
    list_select_related = ["user", "complaint"]
    raw_id_fields = ["user", "complaint"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PiiAccessLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PiiAccessLog | None = None) -> bool:
        return False
