"""The staff side of complaints and cases. Thin: reads come from selectors, writes go through services.

Who sees and changes what is decided in get_queryset and has_*_permission (see the role table in
docs/cases.md); the custom views behind the buttons on the case and complaint pages re-check it.
Importing the package registers every model admin of the app.
"""

from . import cases, complaints, platforms  # noqa: F401 - each registers its model admins
from .base import DOMAIN_ERRORS, CappedCountPaginator, ScaledModelAdmin, account_cell, staff, when
from .cases import CaseAdmin
from .complaints import ComplaintAdmin

__all__ = [
    "DOMAIN_ERRORS",
    "CappedCountPaginator",
    "CaseAdmin",
    "ComplaintAdmin",
    "ScaledModelAdmin",
    "account_cell",
    "staff",
    "when",
]
