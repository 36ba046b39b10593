"""The outbox (Notice), the correspondence with platforms (Letter, Reply) and advance notices, by concern.

Transition tables live on the models; the writes that use them live in notices.services.
"""

from .advance import (
    PROPOSED_DECISION_FIELDS,
    AdvanceNotice,
    AdvanceNoticeDuplicate,
    AdvanceNoticeError,
    AdvanceNoticeEvent,
    AutomatedDecision,
    DecisionAccount,
    DecisionGround,
    DecisionVisibility,
    decision_key,
)
from .letters import (
    CorrespondenceEvent,
    Letter,
    LetterCase,
    LetterTemplate,
    LetterType,
    Reply,
    ReplyAttachment,
    ReplyCaseOutcome,
    reply_upload_to,
)
from .outbox import Channel, InvalidTransition, Notice, NoticeKind, notice_kind_label
from .webhooks import PlatformWebhook

__all__ = [
    "PROPOSED_DECISION_FIELDS",
    "AdvanceNotice",
    "AdvanceNoticeDuplicate",
    "AdvanceNoticeError",
    "AdvanceNoticeEvent",
    "AutomatedDecision",
    "DecisionAccount",
    "DecisionGround",
    "DecisionVisibility",
    "PlatformWebhook",
    "decision_key",
    "Channel",
    "NoticeKind",
    "notice_kind_label",
    "CorrespondenceEvent",
    "InvalidTransition",
    "Letter",
    "LetterCase",
    "LetterTemplate",
    "LetterType",
    "Notice",
    "Reply",
    "ReplyAttachment",
    "ReplyCaseOutcome",
    "reply_upload_to",
]
