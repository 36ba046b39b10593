"""What each export holds: its columns, in order, with the definition that the data dictionary prints.

Columns follow the CFPB complaint database (shared/docs/domain.md, "Reports"). Rows are read with
``values_list`` on just the columns shown, from a server-side cursor: a masked export never loads,
let alone decrypts, a CNIC or a mobile number it does not print. Choice values become their English
labels and platforms their names through small dicts built once per export, not through joins.

PII columns exist only in an export made with PII; without it they are absent, not masked. The
account handle counts as PII here: for the people who complain, their account names them as surely
as their CNIC does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Expression, Model, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from complaints.models import Case, Complaint, PiiAccessLog, Platform, Province
from complaints.pii import cnic_format
from notices.models import Letter, LetterType
from regulator_portal.csvsafe import cell_safe

from .models import Dataset

Convert = Callable[[Any], Any]

TEXT, LABEL, DATE, NUMBER = "text", "label", "date", "number"


@dataclass(frozen=True)
class Column:
    header: str
    definition: str
    source: str  # a values_list path, or the name of one of the dataset's annotations
    kind: str = TEXT
    labels: Callable[[], dict[Any, str]] | None = None
    pii: bool = False
    convert: Convert | None = None

    def converter(self) -> Convert | None:
        """How a database value becomes a cell; None when it goes out as it is (dates, numbers)."""
        if self.labels is not None:
            labels = {key: cell_safe(str(label)) for key, label in self.labels().items()}
            return lambda value: labels.get(value, "" if value is None else str(value))
        if self.kind == TEXT:
            convert = self.convert
            if convert is None:
                return lambda value: "" if value is None else cell_safe(value)
            return lambda value: "" if value is None else cell_safe(convert(value))
        return self.convert


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    model: type[Model]
    columns: list[Column]
    annotations: dict[str, Callable[[], Expression]] = field(default_factory=dict)

    @property
    def has_pii(self) -> bool:
        return any(column.pii for column in self.columns)

    def columns_for(self, *, with_pii: bool) -> list[Column]:
        return [column for column in self.columns if with_pii or not column.pii]

    def rows(self, queryset: QuerySet[Any], *, with_pii: bool, chunk_size: int) -> Iterator[list[Any]]:
        """The rows of ``queryset`` as cells, streamed from a server-side cursor in its own order."""
        columns = self.columns_for(with_pii=with_pii)
        sources = [column.source for column in columns]
        needed = {name: make() for name, make in self.annotations.items() if name in sources}
        converters = [column.converter() for column in columns]
        values = queryset.annotate(**needed).values_list(*sources).iterator(chunk_size=chunk_size)
        if not any(converters):
            yield from (list(row) for row in values)
            return
        pairs = list(enumerate(converters))
        for row in values:
            cells = list(row)
            for i, convert in pairs:
                if convert is not None:
                    cells[i] = convert(cells[i])
            yield cells


def _choices(choices: list[tuple[str, Any]]) -> Callable[[], dict[Any, str]]:
    return lambda: {value: str(label) for value, label in choices}


def _platforms() -> dict[Any, str]:
    return dict(Platform.objects.values_list("pk", "name"))


def _yes_no() -> dict[Any, str]:
    return {True: "Yes", False: "No", None: ""}


def _local_date(path: str) -> Callable[[], Expression]:
    # The calendar day in Pakistan, computed by the database: no per-row time zone work in Python.
    return lambda: TruncDate(path, tzinfo=timezone.get_current_timezone())


def _local_datetime(value: datetime | None) -> str:
    return "" if value is None else timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


PAKISTAN_DAY = "a calendar day in Pakistan time (YYYY-MM-DD)"

COMPLAINTS = DatasetSpec(
    name=Dataset.COMPLAINTS,
    model=Complaint,
    annotations={
        "day_received": _local_date("received_at"),
        "day_sent": _local_date("case__sent_to_platform_at"),
        "day_responded": _local_date("case__platform_responded_at"),
    },
    columns=[
        Column("Reference", "The complaint's reference, as the citizen received it.", "reference"),
        Column("Date received", f"When the complaint reached the regulator: {PAKISTAN_DAY}.", "day_received", DATE),
        Column("Platform", "The platform that acted against the account or content.", "platform_id", LABEL, _platforms),
        Column(
            "Action type",
            "What the platform did: suspended, removed, locked or withheld the account, removed content...",
            "action_type",
            LABEL,
            _choices(Complaint.ActionType.choices),
        ),
        Column(
            "Category",
            "What the content was about, as the complainant described it.",
            "category",
            LABEL,
            _choices(Complaint.Category.choices),
        ),
        Column(
            "Province",
            "The complainant's province or territory.",
            "province",
            LABEL,
            _choices(Province.choices),
        ),
        Column(
            "Submitted via",
            "How the complaint reached the regulator: web, email, phone, post, walk-in or referral.",
            "submitted_via",
            LABEL,
            _choices(Complaint.SubmittedVia.choices),
        ),
        Column(
            "Complaint status",
            "Received, accepted, rejected, or a duplicate of an earlier complaint.",
            "status",
            LABEL,
            _choices(Complaint.Status.choices),
        ),
        Column("Case", "The case that groups every complaint about the same account.", "case__reference"),
        Column(
            "Case status",
            "Where the case stands: new, in review, referred to or awaiting the platform, closed...",
            "case__status",
            LABEL,
            _choices(Case.Status.choices),
        ),
        Column(
            "Date sent to platform",
            f"When the regulator's letter about the case went to the platform: {PAKISTAN_DAY}; empty if not yet.",
            "day_sent",
            DATE,
        ),
        Column(
            "Platform response",
            f"When the platform answered about the case: {PAKISTAN_DAY}; empty while no answer is recorded.",
            "day_responded",
            DATE,
        ),
        Column(
            "Timely response?",
            "Yes if the platform answered within its deadline, No if late; empty while it has not answered.",
            "case__timely_response",
            LABEL,
            _yes_no,
        ),
        Column(
            "Outcome",
            "How the case ended (restored, restriction upheld...); empty while it is open.",
            "case__outcome",
            LABEL,
            _choices(Case.Outcome.choices),
        ),
        Column("Full name", "The complainant's name. PII.", "full_name", pii=True),
        Column("CNIC", "The complainant's CNIC, 5-7-1. PII.", "cnic", pii=True, convert=cnic_format),
        Column("Mobile", "The complainant's mobile number (E.164). PII.", "mobile", pii=True),
        Column("Email", "The complainant's email address, if given. PII.", "email", pii=True),
        Column("Account handle", "The account the complaint is about, as entered. PII.", "account_handle", pii=True),
        Column("Narrative", "What happened, in the complainant's words. PII.", "narrative", pii=True),
    ],
)

CASES = DatasetSpec(
    name=Dataset.CASES,
    model=Case,
    annotations={
        "day_opened": _local_date("opened_at"),
        "day_sent": _local_date("sent_to_platform_at"),
        "day_due": _local_date("response_due_at"),
        "day_responded": _local_date("platform_responded_at"),
        "day_closed": _local_date("closed_at"),
    },
    columns=[
        Column("Reference", "The case's reference.", "reference"),
        Column(
            "Date opened", f"When the first complaint about the account arrived: {PAKISTAN_DAY}.", "day_opened", DATE
        ),
        Column("Platform", "The platform the account is on.", "platform_id", LABEL, _platforms),
        Column("Status", "Where the case stands.", "status", LABEL, _choices(Case.Status.choices)),
        Column("Priority", "Routine or emergency.", "priority", LABEL, _choices(Case.Priority.choices)),
        Column("Date sent to platform", f"When the case was last referred: {PAKISTAN_DAY}.", "day_sent", DATE),
        Column("Platform response due", f"The platform's deadline: {PAKISTAN_DAY}.", "day_due", DATE),
        Column("Platform response", f"When the platform answered: {PAKISTAN_DAY}.", "day_responded", DATE),
        Column("Timely response?", "Yes if within the deadline, No if late.", "timely_response", LABEL, _yes_no),
        Column("Outcome", "How the case ended.", "outcome", LABEL, _choices(Case.Outcome.choices)),
        Column("Date closed", f"When the case was closed: {PAKISTAN_DAY}.", "day_closed", DATE),
        Column("Account handle", "The account the case is about. PII.", "account_handle", pii=True),
    ],
)

LETTERS = DatasetSpec(
    name=Dataset.LETTERS,
    model=Letter,
    annotations={
        "day_created": _local_date("created_at"),
        "day_sent": _local_date("date_sent"),
        "day_due": _local_date("response_due_at"),
        "case_count": lambda: Count("letter_cases"),
    },
    columns=[
        Column("Reference", "The regulator's reference for the letter.", "our_reference"),
        Column(
            "Letter type",
            "Referral, request for information, reminder...",
            "letter_type",
            LABEL,
            _choices(LetterType.choices),
        ),
        Column("Platform", "The platform the letter is addressed to.", "platform_id", LABEL, _platforms),
        Column("Status", "Draft, approved, sent or replied.", "status", LABEL, _choices(Letter.Status.choices)),
        Column("Channel", "Email, the platform's portal, or post.", "channel", LABEL, _choices(Letter.Channel.choices)),
        Column("Date created", f"{PAKISTAN_DAY}.", "day_created", DATE),
        Column("Date sent", f"{PAKISTAN_DAY}; empty if not sent.", "day_sent", DATE),
        Column("Response due", f"The platform's deadline: {PAKISTAN_DAY}.", "day_due", DATE),
        Column("Platform ticket reference", "The platform's own reference, if it gave one.", "platform_ticket_ref"),
        Column("Cases", "How many cases the letter lists.", "case_count", NUMBER),
    ],
)

PII_ACCESS = DatasetSpec(
    name=Dataset.PII_ACCESS,
    model=PiiAccessLog,
    columns=[
        Column("At", "When, in Pakistan time (YYYY-MM-DD HH:MM:SS).", "at", convert=_local_datetime),
        Column("User", "The member of staff (username).", "user__username"),
        Column(
            "Action",
            "Revealed in the admin, exported, or evidence downloaded.",
            "action",
            LABEL,
            _choices(PiiAccessLog.Action.choices),
        ),
        Column(
            "Complaint", "The complaint's reference; empty for an export of many complaints.", "complaint__reference"
        ),
        Column("Export", "The export, for an EXPORT row.", "detail__export", convert=str),
    ],
)

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in (COMPLAINTS, CASES, LETTERS, PII_ACCESS)}
MODEL_DATASETS: dict[type[Model], DatasetSpec] = {spec.model: spec for spec in DATASETS.values()}
