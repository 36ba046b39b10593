"""The outbox in the admin: notices, masked for roles without the PII permission."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.admin import ScaledModelAdmin
from complaints.pii import email_mask, mobile_mask

from .. import services
from ..models import (
    Notice,
)
from .letters import DOMAIN_ERRORS


def _masked(notice: Notice) -> str:
    if notice.channel == "SMS":
        return mobile_mask(notice.address)
    return email_mask(notice.address) if notice.recipient_kind == Notice.RecipientKind.CITIZEN else notice.address


NOTICE_FIELDS = (
    "status",
    "kind",
    "channel",
    "recipient_kind",
    "recipient",
    "language",
    "subject",
    "message",
    "attempts",
    "next_attempt_at",
    "claimed_at",
    "sent_at",
    "last_error_kind",
    "last_error",
    "provider_message_id",
    "possible_duplicate",
    "idempotency_key",
    "complaint",
    "case",
    "letter",
    "created_at",
)


def _notice_fields(request: HttpRequest) -> tuple[str, ...]:
    if request.user.has_perm("complaints.view_complainant_pii"):
        return NOTICE_FIELDS
    return tuple("message_masked" if name == "message" else name for name in NOTICE_FIELDS)


@admin.register(Notice)
class NoticeAdmin(ScaledModelAdmin):
    # What fits a laptop screen; the address, attempts and errors are on the notice's own page.
    list_display = ["created_at", "kind_label", "recipient_kind", "channel", "state", "case_reference"]
    list_filter = ["status", "channel", "recipient_kind", "kind", "possible_duplicate", "language"]
    list_select_related = ["case"]
    search_fields = ["=idempotency_key", "=case__reference", "=letter__our_reference", "=complaint__reference"]
    actions = ["retry_dead"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # notices are written by the services that cause them

    def has_delete_permission(self, request: HttpRequest, obj: Notice | None = None) -> bool:
        return False  # the outbox is the record of what we told people

    def has_change_permission(self, request: HttpRequest, obj: Notice | None = None) -> bool:
        return False  # nothing on a notice is edited by hand; a dead one is retried with the action

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notices.retry_notice")

    @admin.display(description=_("address"))
    def recipient(self, notice: Notice) -> str:
        return _masked(notice)

    @admin.display(description=_("type"), ordering="kind")
    def kind_label(self, notice: Notice) -> str:
        return notice.kind_label

    @admin.display(description=_("case"), ordering="case__reference")
    def case_reference(self, notice: Notice) -> str:
        return notice.case.reference if notice.case is not None else "—"

    @admin.display(description=_("status"), ordering="status")
    def state(self, notice: Notice) -> str:
        if notice.possible_duplicate:
            return gettext("%(status)s (may have gone twice)") % {"status": notice.get_status_display()}
        return notice.get_status_display()

    # One admin instance serves every request on every thread: what a user may see is decided per
    # request by choosing the field, never by state kept on the instance.
    def get_fields(self, request: HttpRequest, obj: Notice | None = None) -> tuple[str, ...]:
        return _notice_fields(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Notice | None = None) -> tuple[str, ...]:
        return _notice_fields(request)

    @admin.display(description=_("message"))
    def message(self, notice: Notice) -> str:
        # An acknowledgement is queued without its text: the worker writes it from the complaint.
        return notice.body or str(_("(written from the complaint when it is sent)"))

    @admin.display(description=_("message"))
    def message_masked(self, notice: Notice) -> str:
        # A citizen's notice carries their name and case: the same rule as their other PII.
        if notice.recipient_kind == Notice.RecipientKind.CITIZEN:
            return str(_("(hidden: needs the permission to view complainants' details)"))
        return notice.body

    @admin.action(description=_("Retry the selected dead notices"), permissions=["retry"])
    def retry_dead(self, request: HttpRequest, queryset: QuerySet[Notice]) -> None:
        retried = 0
        for notice in queryset:
            try:
                services.notice_retry(notice=notice, actor=request.user)
            except DOMAIN_ERRORS as error:
                self.message_user(request, f"{notice.pk}: {error}", messages.ERROR)
            else:
                retried += 1
        if retried:
            self.message_user(request, _("%(n)d notice(s) queued again.") % {"n": retried}, messages.SUCCESS)
