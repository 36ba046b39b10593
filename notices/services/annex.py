"""The annex of a letter: one row per case, with a complainant's name only where they consented.

The consent box on the public form (complaints/forms.py) says what goes to the platform: the
complainant's name and the details of the account. The annex carries exactly that, and no CNIC,
mobile number, email address or narrative, whatever the complainant ticked.
"""

from __future__ import annotations

import csv
import io

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext as _

from complaints.handles import handle_name
from complaints.models import Complaint
from complaints.services import complaint_pii_export_record
from regulator_portal.csvsafe import csv_cell

from .. import selectors
from ..models import Letter

ANNEX_COLUMNS = [
    "our_reference",
    "case_reference",
    "account_handle",
    "account_url",
    "platform_account_id",
    "action",
    "action_date",
    "complaints",
    "consenting_complainant_names",
]


def letter_annex_csv(*, letter: Letter) -> str:
    """The annex as it would go out now (a letter's approved annex is frozen on it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ANNEX_COLUMNS)
    with translation.override("en"):
        for case in selectors.letter_cases_for_annex(letter=letter):
            complaints: list[Complaint] = case.annex_complaints  # type: ignore[attr-defined]
            first = complaints[0] if complaints else None
            row = [
                letter.our_reference,
                case.reference,
                handle_name(case.account_handle),  # a data column: the name, never "@" or a link
                next((c.account_url for c in complaints if c.account_url), ""),
                next((c.platform_account_id for c in complaints if c.platform_account_id), ""),
                first.get_action_type_display() if first else "",
                first.action_date.isoformat() if first else "",
                len(complaints),
                "; ".join(c.full_name for c in complaints if c.consent_share_with_platform),
            ]
            writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


def letter_annex_download(*, letter: Letter, actor: User) -> str:
    """The annex for a member of staff who may see complainants' details, each download on record.

    Once approved, the annex is what was approved (and, once sent, what went out); before that, what
    would go out now.
    """
    if not actor.has_perm("complaints.view_complainant_pii"):
        raise PermissionDenied(_("The annex names complainants: it needs the permission to view their details."))
    content = letter.annex_csv or letter_annex_csv(letter=letter)
    consenting = [
        complaint
        for case in selectors.letter_cases_for_annex(letter=letter)
        for complaint in case.annex_complaints  # type: ignore[attr-defined]
        if complaint.consent_share_with_platform
    ]
    complaint_pii_export_record(complaints=consenting, actor=actor, export=f"{letter.our_reference} annex")
    return content
