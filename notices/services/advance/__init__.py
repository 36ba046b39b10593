"""Advance notices: received from a platform, linked to the account's cases, answered before the deadline.

Every write here takes keyword arguments, runs in one transaction and writes its AdvanceNoticeEvent
rows in that transaction. Messages (webhook, email) are outbox rows, published after the commit.
"""

from .deadlines import advance_notice_lapse_overdue, advance_notice_warn_due
from .intake import (
    SUBMIT_FIELDS,
    advance_notice_assign,
    advance_notice_autoassign,
    advance_notice_check_unique,
    advance_notice_event_add,
    advance_notice_link,
    advance_notice_submit,
)
from .response import (
    advance_notice_approve,
    advance_notice_final_action,
    advance_notice_respond,
    advance_notice_response_payload,
)

__all__ = [
    "SUBMIT_FIELDS",
    "advance_notice_approve",
    "advance_notice_assign",
    "advance_notice_autoassign",
    "advance_notice_check_unique",
    "advance_notice_event_add",
    "advance_notice_final_action",
    "advance_notice_lapse_overdue",
    "advance_notice_link",
    "advance_notice_respond",
    "advance_notice_response_payload",
    "advance_notice_submit",
    "advance_notice_warn_due",
]
