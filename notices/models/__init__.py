"""The outbox (Notice) and the correspondence with platforms (Letter, Reply), by concern.

Transition tables live on the models; the writes that use them live in notices.services.
"""

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
from .outbox import Channel, InvalidTransition, Notice

__all__ = [
    "Channel",
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
