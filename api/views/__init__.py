"""The platform API's views, by resource; docs/api.md is the contract."""

from .base import NotFoundView
from .cases import CaseDetailView, CaseListView
from .letters import LetterDetailView, LetterListView, LetterReplyView

__all__ = [
    "CaseDetailView",
    "CaseListView",
    "LetterDetailView",
    "LetterListView",
    "LetterReplyView",
    "NotFoundView",
]
