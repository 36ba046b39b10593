"""Test data built through the same services the portal uses, so tests see what users would."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from complaints.handles import handle_normalize
from complaints.models import Complaint, Platform
from complaints.services import (
    ComplaintData,
    EvidenceUpload,
    cases_autoassign,
    complaint_submit,
    evidences_clean_pending,
)

_cnics = itertools.count(1)

PLATFORMS = [
    ("x", "X (Twitter)", "x.com twitter.com"),
    ("facebook", "Facebook", "facebook.com fb.com"),
    ("instagram", "Instagram", "instagram.com"),
    ("youtube", "YouTube", "youtube.com"),
    ("tiktok", "TikTok", "tiktok.com"),
]


def platform_get(slug: str = "x") -> Platform:
    for s, name, hosts in PLATFORMS:
        if s == slug:
            platform, _ = Platform.objects.get_or_create(slug=s, defaults={"name": name, "profile_hosts": hosts})
            return platform
    raise KeyError(slug)


def complaint_data(**overrides: Any) -> ComplaintData:
    platform = overrides.pop("platform", None) or platform_get(overrides.pop("platform_slug", "x"))
    handle = overrides.pop("account_handle", "KashmirVoice")
    n = next(_cnics)
    values: dict[str, Any] = {
        "full_name": "Farah Qureshi",
        "cnic": f"35202{n:07d}2",
        "mobile": f"+92300{n:07d}",
        "email": "farah@example.pk",
        "province": "PK-PB",
        "city": "Lahore",
        "preferred_language": "ur",
        "platform": platform,
        "account_handle": handle,
        "account_handle_normalized": handle_normalize(platform, handle),
        "account_url": "",
        "action_type": Complaint.ActionType.ACCOUNT_SUSPENDED,
        "action_date": date.today() - timedelta(days=3),
        "platform_notice_text": "Your account was suspended for violating the X Rules.",
        "appealed_to_platform": True,
        "platform_appeal_ref": "0123456789",
        "category": Complaint.Category.KASHMIR_SOLIDARITY,
        "narrative": "My account was suspended after I posted about Kashmir Solidarity Day.",
        "consent_share_with_platform": True,
    }
    values.update(overrides)
    return ComplaintData(**values)


def complaint_create(evidence: list[EvidenceUpload] | None = None, **overrides: Any) -> Complaint:
    """A filed complaint, its new case assigned and its pictures re-encoded as the worker would do
    right after the commit."""
    complaint = complaint_submit(data=complaint_data(**overrides), evidence=evidence or [])
    cases_autoassign(case_ids=[complaint.case_id])
    evidences_clean_pending()
    complaint.case.refresh_from_db(fields=["assigned_to"])
    return complaint


def notices_sent(complaint: Complaint, **filters: Any) -> list[Any]:
    """The complaint's notices as a worker sends them (an acknowledgement is rendered then), reloaded."""
    from notices.models import Notice
    from notices.services import notice_send

    notices = list(Notice.objects.filter(complaint=complaint, **filters).order_by("pk"))
    for notice in notices:
        assert notice_send(notice_id=notice.pk).status == "SENT"
        notice.refresh_from_db()
    return notices
