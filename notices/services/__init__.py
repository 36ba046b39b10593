"""Every write in the notices app, by concern: the outbox, notices to citizens and staff, letters, replies,
advance notices and webhook pushes.

The public names are re-exported here so callers keep writing ``from notices import services``.
"""

from .acknowledgement import acknowledgements_publish, acknowledgements_send, citizen_acknowledge
from .advance import (
    advance_notice_approve,
    advance_notice_assign,
    advance_notice_autoassign,
    advance_notice_check_unique,
    advance_notice_event_add,
    advance_notice_final_action,
    advance_notice_lapse_overdue,
    advance_notice_link,
    advance_notice_respond,
    advance_notice_response_payload,
    advance_notice_submit,
    advance_notice_warn_due,
)
from .annex import letter_annex_csv, letter_annex_download
from .citizen import case_overdue_notify, case_status_notify, citizen_notify
from .contacts import platform_contact_delete, platform_contact_save
from .letters import (
    LetterError,
    letter_approve,
    letter_draft_for_cases,
    letter_remind_overdue,
    letter_send,
    letter_update,
)
from .outbox import (
    ATTACHMENT_PROVIDERS,
    SendResult,
    idempotency_nonce,
    notice_backoff,
    notice_message_id,
    notice_publish,
    notice_queue,
    notice_retry,
    notice_send,
    notice_sweep,
)
from .replies import CaseOutcomeInput, reply_attachment_download, reply_check, reply_record
from .webhooks import platform_push, webhook_deliver
from .wording import letter_template_delete, letter_template_save, wording_compile, wording_render

__all__ = [
    "ATTACHMENT_PROVIDERS",
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
    "platform_push",
    "webhook_deliver",
    "CaseOutcomeInput",
    "LetterError",
    "SendResult",
    "case_overdue_notify",
    "case_status_notify",
    "acknowledgements_publish",
    "acknowledgements_send",
    "citizen_acknowledge",
    "citizen_notify",
    "idempotency_nonce",
    "letter_annex_csv",
    "letter_annex_download",
    "letter_approve",
    "letter_draft_for_cases",
    "letter_remind_overdue",
    "letter_send",
    "letter_template_delete",
    "letter_template_save",
    "letter_update",
    "notice_backoff",
    "notice_message_id",
    "notice_publish",
    "notice_queue",
    "notice_retry",
    "notice_send",
    "notice_sweep",
    "platform_contact_delete",
    "platform_contact_save",
    "reply_attachment_download",
    "reply_check",
    "reply_record",
    "wording_compile",
    "wording_render",
]
