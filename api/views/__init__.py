"""The platform API's views, by resource; docs/api.md is the contract."""

from .advance import AdvanceNoticeDetailView, AdvanceNoticeFinalActionView, AdvanceNoticeListView
from .base import NotFoundView
from .cases import CaseDetailView, CaseListView
from .letters import LetterDetailView, LetterListView, LetterReplyView

__all__ = [
    "AdvanceNoticeDetailView",
    "AdvanceNoticeFinalActionView",
    "AdvanceNoticeListView",
    "CaseDetailView",
    "CaseListView",
    "LetterDetailView",
    "LetterListView",
    "LetterReplyView",
    "NotFoundView",
]
