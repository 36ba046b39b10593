"""Tokens and the request log in the admin: supervisors only (the permissions migration grants them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from complaints.admin import ScaledModelAdmin, staff

from . import services
from .models import ApiRequestLog, PlatformToken


@admin.register(PlatformToken)
class PlatformTokenAdmin(ScaledModelAdmin):
    list_display = ["prefix", "name", "platform", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = ["platform", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["platform", "created_by"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at", "revoked_by"]
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: PlatformToken | None = None) -> list[Any]:
        return ["platform", "name"] if obj is None else ["platform", "name", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: PlatformToken | None = None) -> list[str]:
        # A token's platform never changes: that would hand one platform's access to another.
        return [] if obj is None else ["platform", *self.readonly_fields]

    def has_delete_permission(self, request: HttpRequest, obj: PlatformToken | None = None) -> bool:
        return False  # revoke instead: the request log keeps pointing at the token

    def save_model(self, request: HttpRequest, obj: PlatformToken, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])
            return
        issued = services.platform_token_issue(platform=obj.platform, name=obj.name, actor=staff(request))
        obj.pk = issued.token.pk
        obj.prefix = issued.token.prefix
        request._issued_token = issued.plaintext  # type: ignore[attr-defined]  # this request only

    def response_add(
        self, request: HttpRequest, obj: PlatformToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        # The token is rendered into this one response and kept nowhere: not in a message, not in the session.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "plaintext": request._issued_token,  # type: ignore[attr-defined]
            "title": _("Token issued"),
        }
        # admin_view marks every admin response never_cache (no-store), so no proxy or browser keeps it.
        return TemplateResponse(request, "admin/api/platformtoken/issued.html", context)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[PlatformToken]) -> None:
        count = sum(services.platform_token_revoke(token=t, actor=staff(request)) for t in queryset)
        self.message_user(request, _("%(n)d token(s) revoked.") % {"n": count}, messages.SUCCESS)


@admin.register(ApiRequestLog)
class ApiRequestLogAdmin(ScaledModelAdmin):
    list_display = ["at", "platform", "method", "endpoint", "status_code", "duration_ms", "token"]
    list_filter = ["platform", "method", "status_code"]
    list_select_related = ["platform", "token"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiRequestLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiRequestLog | None = None) -> bool:
        return False
