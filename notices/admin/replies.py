"""Replies in the admin: read-only records, and attachments behind a permission check."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from complaints.admin import ScaledModelAdmin, staff

from .. import services
from ..models import (
    Reply,
    ReplyAttachment,
    ReplyCaseOutcome,
)


class RecordInline(admin.TabularInline):
    """A reply's parts are a record of what the platform said: shown, never added to or removed."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReplyCaseOutcomeInline(RecordInline):
    model = ReplyCaseOutcome
    fields = ["case", "action_taken", "outcome"]


class ReplyAttachmentInline(RecordInline):
    model = ReplyAttachment
    fields = ["download", "content_type", "size"]

    @admin.display(description=_("file"))
    def download(self, attachment: ReplyAttachment) -> str:
        url = reverse("admin:notices_reply_attachment", args=[attachment.reply_id, attachment.pk])
        return format_html('<a href="{}">{}</a>', url, attachment.original_name)


REPLY_FIELDS = (
    "letter",
    "kind",
    "received_at",
    "is_timely",
    "platform_ticket_ref",
    "text",
    "recorded_by",
    "created_at",
)


@admin.register(Reply)
class ReplyAdmin(ScaledModelAdmin):
    list_display = ["letter", "kind", "received_at", "is_timely", "platform_ticket_ref", "recorded_by"]
    list_filter = ["kind", "is_timely", "letter__platform"]
    list_select_related = ["letter", "recorded_by"]
    search_fields = ["=letter__our_reference", "=platform_ticket_ref"]
    fields = REPLY_FIELDS
    readonly_fields = REPLY_FIELDS
    inlines = [ReplyCaseOutcomeInline, ReplyAttachmentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # recorded from the letter's page, where each of its cases gets an outcome

    def has_change_permission(self, request: HttpRequest, obj: Reply | None = None) -> bool:
        return False  # a reply is a record of what the platform said

    def has_delete_permission(self, request: HttpRequest, obj: Reply | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/attachment/<int:attachment_pk>/",
                self.admin_site.admin_view(self.attachment_view),
                name="notices_reply_attachment",
            ),
            *super().get_urls(),
        ]

    def attachment_view(self, request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
        attachment = get_object_or_404(
            ReplyAttachment.objects.select_related("reply__letter"), pk=attachment_pk, reply_id=pk
        )
        services.reply_attachment_download(attachment=attachment, actor=staff(request))
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type="application/octet-stream",  # never rendered inline in the staff's browser
        )
