"""What the platform API reads and writes. Input serializers are strict: unknown fields and wrong types are refused."""

from __future__ import annotations

from rest_framework import serializers

from complaints.models import Case
from notices.models import Reply, ReplyCaseOutcome

from .fields import StrictCharField, StrictChoiceField, StrictSerializer


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.JSONField(required=False, help_text="Validation errors by field (code 'invalid').")
    existing_id = serializers.IntegerField(required=False, help_text="The notice already submitted (code 'duplicate').")


class AnnexComplainantSerializer(serializers.Serializer):
    """A complainant who consented to their details going to the platform: name and account, nothing else."""

    full_name = serializers.CharField()
    account_handle = serializers.CharField()
    account_url = serializers.CharField()
    platform_account_id = serializers.CharField()


class AnnexRowSerializer(serializers.Serializer):
    case_reference = serializers.CharField()
    account_handle = serializers.CharField()
    account_url = serializers.CharField()
    action_type = serializers.CharField()
    action_date = serializers.DateField(allow_null=True)
    complaint_count = serializers.IntegerField()
    complainants = AnnexComplainantSerializer(many=True)


class LetterReplySummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Reply.Kind.choices)
    received_at = serializers.DateTimeField()
    is_timely = serializers.BooleanField(allow_null=True)


class LetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    our_reference = serializers.CharField()
    letter_type = serializers.CharField()
    status = serializers.CharField()
    legal_basis = serializers.CharField()
    subject = serializers.CharField()
    body = serializers.CharField()
    date_sent = serializers.DateTimeField(allow_null=True)
    response_due_at = serializers.DateTimeField(allow_null=True)
    platform_ticket_ref = serializers.CharField()
    annex = AnnexRowSerializer(many=True, source="annex_rows")
    replies = LetterReplySummarySerializer(many=True, source="replies.all")


class CaseSerializer(serializers.Serializer):
    reference = serializers.CharField()
    account_handle = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    sent_to_platform_at = serializers.DateTimeField(allow_null=True)
    response_due_at = serializers.DateTimeField(allow_null=True)
    platform_responded_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()


class CaseOutcomeInputSerializer(StrictSerializer):
    case = StrictCharField(max_length=40, help_text="The case's reference, as in the letter's annex.")
    action_taken = StrictChoiceField(
        choices=ReplyCaseOutcome.ActionTaken.choices, default=ReplyCaseOutcome.ActionTaken.UNSPECIFIED
    )
    outcome = StrictChoiceField(
        choices=Case.Outcome.choices,
        allow_blank=True,
        default="",
        help_text="Blank: the case awaits our review of the reply. Set: the case is closed with this outcome.",
    )


class ReplyInputSerializer(StrictSerializer):
    kind = StrictChoiceField(choices=Reply.Kind.choices)
    platform_ticket_ref = StrictCharField(max_length=100, allow_blank=True, default="")
    text = StrictCharField(max_length=20000)
    outcomes = CaseOutcomeInputSerializer(many=True, required=False, max_length=1000)

    def validate_outcomes(self, value: list[dict]) -> list[dict]:
        references = [item["case"] for item in value]
        if len(set(references)) != len(references):
            raise serializers.ValidationError("A case appears twice.")
        return value


class ReplyOutcomeSerializer(serializers.Serializer):
    case = serializers.CharField(source="case.reference")
    action_taken = serializers.CharField()
    outcome = serializers.CharField()
    case_status = serializers.CharField(source="case.status")


class ReplySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    letter = serializers.IntegerField(source="letter_id")
    kind = serializers.ChoiceField(choices=Reply.Kind.choices)
    received_at = serializers.DateTimeField()
    is_timely = serializers.BooleanField(allow_null=True)
    outcomes = ReplyOutcomeSerializer(many=True, source="outcomes.all")
