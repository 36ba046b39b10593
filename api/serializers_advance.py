"""Advance notices over the API: what a platform submits (the DSA statement-of-reasons fields) and reads back."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notices.models import AdvanceNotice
from notices.models.advance import (
    MAX_LIST_ITEMS,
    AutomatedDecision,
    DecisionAccount,
    DecisionGround,
    DecisionVisibility,
)

from .fields import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictDateTimeField,
    StrictSerializer,
)

BATCH_MAX = 100


class AdvanceNoticeInputSerializer(StrictSerializer):
    account_handle = StrictCharField(max_length=200)
    puid = StrictCharField(max_length=100, help_text="The platform's own id of the account.")
    decision_account = StrictChoiceField(choices=DecisionAccount.choices, allow_blank=True, default="")
    decision_visibility = serializers.ListField(
        child=StrictChoiceField(choices=DecisionVisibility.choices), max_length=len(DecisionVisibility), default=list
    )
    territorial_scope = serializers.ListField(
        child=StrictCharField(min_length=2, max_length=2),
        max_length=250,
        default=list,
        help_text="ISO 3166-1 alpha-2 codes where the decision applies; empty means worldwide.",
    )
    decision_ground = StrictChoiceField(choices=DecisionGround.choices)
    legal_ground = StrictCharField(max_length=2000, allow_blank=True, default="")
    tos_ground = StrictCharField(max_length=2000, allow_blank=True, default="")
    explanation = StrictCharField(max_length=10000)
    content_urls = serializers.ListField(
        child=StrictCharField(max_length=2000), max_length=MAX_LIST_ITEMS, default=list
    )
    automated_detection = StrictBooleanField(default=False)
    automated_decision = StrictChoiceField(choices=AutomatedDecision.choices, default=AutomatedDecision.NOT_AUTOMATED)
    proposed_effective_date = StrictDateTimeField()
    end_date = StrictDateTimeField(allow_null=True, default=None, help_text="Null means indefinite.")
    authority_request = StrictBooleanField(default=False)
    authority_name = StrictCharField(max_length=200, allow_blank=True, default="")
    platform_reference = StrictCharField(max_length=100, allow_blank=True, default="")


class OurResponseSerializer(serializers.Serializer):
    response = serializers.ChoiceField(choices=AdvanceNotice.Response.choices)
    reasons = serializers.CharField(source="response_reasons")
    rule = serializers.CharField(source="response_rule")
    responded_at = serializers.DateTimeField()


class AdvanceNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=AdvanceNotice.Status.choices)
    received_at = serializers.DateTimeField()
    response_due_at = serializers.DateTimeField()
    account_handle = serializers.CharField()
    puid = serializers.CharField()
    decision_account = serializers.CharField()
    decision_visibility = serializers.ListField(child=serializers.CharField())
    territorial_scope = serializers.ListField(child=serializers.CharField())
    decision_ground = serializers.CharField()
    legal_ground = serializers.CharField()
    tos_ground = serializers.CharField()
    explanation = serializers.CharField()
    content_urls = serializers.ListField(child=serializers.CharField())
    automated_detection = serializers.BooleanField()
    automated_decision = serializers.CharField()
    proposed_effective_date = serializers.DateTimeField()
    end_date = serializers.DateTimeField(allow_null=True)
    authority_request = serializers.BooleanField()
    authority_name = serializers.CharField()
    platform_reference = serializers.CharField()
    our_response = serializers.SerializerMethodField()
    final_action = serializers.CharField()
    final_action_date = serializers.DateField(allow_null=True)
    final_action_note = serializers.CharField()

    @extend_schema_field(OurResponseSerializer(allow_null=True))
    def get_our_response(self, notice: AdvanceNotice) -> dict[str, Any] | None:
        # Only an answer that went out: a draft, or an objection awaiting approval, is not the regulator's word.
        if notice.status != AdvanceNotice.Status.RESPONDED:
            return None
        return dict(OurResponseSerializer(notice).data)


class FinalActionInputSerializer(StrictSerializer):
    action = StrictChoiceField(choices=AdvanceNotice.FinalAction.choices)
    date = StrictDateField()
    note = StrictCharField(max_length=5000, allow_blank=True, default="")
