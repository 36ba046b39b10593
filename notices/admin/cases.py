"""The "Refer to platform" action on the case changelist.

Complaints owns the case admin and never imports notices, so this module subclasses its CaseAdmin and
registers the subclass in its place.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from complaints.admin import CaseAdmin
from complaints.models import Case

from .. import services
from ..models import (
    LetterType,
)
from .advance import case_advance_notices
from .filters import ReadyToReferFilter
from .letters import DOMAIN_ERRORS


class CorrespondenceCaseAdmin(CaseAdmin):
    actions = [*CaseAdmin.actions, "refer_to_platform", "request_information"]
    list_filter = [*CaseAdmin.list_filter, ReadyToReferFilter]
    # A read-only field, not an inline: an inline's formset would take part in every POST of the page.
    fields = readonly_fields = (*CaseAdmin.fields, "advance_notices_about_account")  # type: ignore[assignment]

    @admin.display(description=_("advance notices about this account"))
    def advance_notices_about_account(self, case: Case) -> str:
        return case_advance_notices(case)

    def has_refer_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notices.add_letter")

    def _draft(self, request: HttpRequest, queryset: QuerySet[Case], letter_type: str) -> None:
        try:
            letters = services.letter_draft_for_cases(cases=queryset, actor=request.user, letter_type=letter_type)  # type: ignore[arg-type]
        except DOMAIN_ERRORS as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a> ({} · {})',
            (
                (reverse("admin:notices_letter_change", args=[lt.pk]), lt.our_reference, lt.platform, lt.cases.count())
                for lt in letters
            ),
        )
        self.message_user(
            request,
            format_html("{} {}", _("Draft letters for a supervisor to approve:"), links),
            messages.SUCCESS,
        )

    @admin.action(description=_("Refer to platform (draft a reinstatement request)"), permissions=["refer"])
    def refer_to_platform(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        self._draft(request, queryset, LetterType.REINSTATEMENT_REQUEST)

    @admin.action(description=_("Ask the platform for information (draft a letter)"), permissions=["refer"])
    def request_information(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        self._draft(request, queryset, LetterType.INFORMATION_REQUEST)


admin.site.unregister(Case)
admin.site.register(Case, CorrespondenceCaseAdmin)
