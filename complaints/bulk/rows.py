"""Synthetic cases, complaints and their events, generated in chunks as COPY text.

Each chunk has its own random generator, seeded from the run's seed and the chunk's number, so a
run is reproducible however the chunks are shared among processes. A case's platform, opening time
and handle are a function of its id alone (``case_traits``), so the chunk that piles a later
complaint onto an earlier case knows that case without any shared state.

Every complainant is a person of their own: their CNIC, mobile and email are drawn afresh for each
complaint, each encrypted value is encrypted on its own row with the field's own key and Fernet
format (so it decrypts in the admin like one the form wrote), and the keyed hashes are those that
the admin search computes. Names, narratives and platform notices come from realistic pools, but
each row's ciphertext is still its own.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import struct
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from complaints.models import Case, CaseEvent, Complaint, Province
from complaints.sla import sla_due_at

from .copy import NULL, Layout, copy_text

WORDS = ["kashmir", "voice", "news", "valley", "azadi", "lahore", "karachi", "pti", "desk", "today", "live", "urdu"]
PLATFORM_NOTICES = ["", "Your account violated our rules.", "Your account was suspended for platform manipulation."]
SPREAD_MINUTES = 2 * 365 * 24 * 60  # cases open over the last two years

CASE_COLUMNS = [
    "id",
    "reference",
    "platform_id",
    "account_handle",
    "account_handle_normalized",
    "status",
    "priority",
    "assigned_to_id",
    "opened_at",
    "status_changed_at",
    "due_at",
    "sent_to_platform_at",
    "response_due_at",
    "outcome",
    "closed_at",
]
COMPLAINT_COLUMNS = [
    "id",
    "reference",
    "received_at",
    "submitted_via",
    "status",
    "case_id",
    "full_name",
    "cnic",
    "cnic_hash",
    "mobile",
    "mobile_hash",
    "email",
    "province",
    "city",
    "preferred_language",
    "platform_id",
    "account_handle",
    "account_handle_normalized",
    "action_type",
    "action_date",
    "appealed_to_platform",
    "category",
    "platform_notice_text",
    "narrative",
    "consent_share_with_platform",
]
EVENT_COLUMNS = ["case_id", "complaint_id", "kind", "data", "created_at"]


@dataclass(frozen=True)
class Plan:
    """Everything a generating process needs, fixed before the processes start (they inherit it)."""

    seed: int
    now: datetime
    prefix: str
    platforms: list[tuple[int, int]]  # (pk, response hours)
    caseworkers: list[int]
    case_base: int
    cases: int
    complaint_base: int
    complaints: int
    names: list[str]
    narratives: list[str]
    districts: list[str]
    cities: dict[str, str]
    hash_key: bytes


class Sha256Hmac:
    """HMAC-SHA256 under one key (RFC 2104), the same digest as ``hmac.digest``: the key's inner and
    outer padded states are hashed once and copied for each value, instead of being set up again for
    each of the million or so values signed or hashed per column, which took a fifth of a row's cost.
    """

    def __init__(self, key: bytes) -> None:
        block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def __call__(self, data: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


class Encryptor:
    """Encrypts a column of values at once, into the tokens each encrypted complaint field writes.

    The tokens are Fernet's, with the field's own (first) key, so the field decrypts them like any
    other. Fernet builds a cipher context per value, which costs more than the encryption itself; here
    a whole column goes through one AES-CBC context instead. Each value is preceded in the stream by a
    fresh random block, and that block's ciphertext, unpredictable like any AES output of a random
    input, becomes the value's IV: each value is then exactly CBC-encrypted under its own random IV,
    as Fernet would do it, and signed with HMAC-SHA256 as Fernet signs.
    """

    FIELDS = ("full_name", "cnic", "mobile", "email", "platform_notice_text", "narrative")
    _header = struct.Struct(">BQ")

    def __init__(self) -> None:
        fields = [cast(Any, Complaint._meta.get_field(name)) for name in self.FIELDS]
        keys = {base64.urlsafe_b64decode(field.keys[0]) for field in fields}
        if len(keys) != 1:
            raise ValueError("the encrypted complaint fields no longer share one key")
        (key,) = keys
        self._sign, self._aes = Sha256Hmac(key[:16]), algorithms.AES(key[16:])

    def column(self, values: list[str]) -> list[str]:
        """Each value as a token; a blank value stays blank, as complaints.fields stores it."""
        plain = [v.encode() for v in values if v]
        randoms = os.urandom(16 * len(plain))
        parts: list[bytes] = []
        for i, data in enumerate(plain):
            pad = 16 - len(data) % 16
            parts += (randoms[16 * i : 16 * i + 16], data, bytes([pad]) * pad)
        encryptor = Cipher(self._aes, modes.CBC(bytes(16))).encryptor()
        stream = encryptor.update(b"".join(parts)) + encryptor.finalize()
        header = self._header.pack(0x80, int(time.time()))
        tokens, pos = [], 0
        for data in plain:
            size = 16 + (len(data) // 16 + 1) * 16
            signed = header + stream[pos : pos + size]  # the IV, then the ciphertext
            pos += size
            tokens.append(base64.urlsafe_b64encode(signed + self._sign(signed)).decode())
        it = iter(tokens)
        return [next(it) if v else "" for v in values]


def case_traits(pk: int, plan: Plan) -> tuple[tuple[int, int], datetime, str]:
    """The platform, opening time and handle of bulk case ``pk``: a mix of its id (splitmix64)."""
    h = (pk + plan.seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    h ^= h >> 31
    platform = plan.platforms[h % len(plan.platforms)]
    opened = plan.now - timedelta(minutes=(h >> 8) % SPREAD_MINUTES, seconds=(h >> 40) % 60)
    handle = f"{WORDS[(h >> 48) % len(WORDS)]}_{WORDS[(h >> 56) % len(WORDS)]}{pk}"
    return platform, opened, handle


def _rng(plan: Plan, kind: str, chunk: int) -> random.Random:
    return random.Random(f"{plan.seed}:{kind}:{chunk}")  # noqa: S311 - synthetic data, reproducible by design


def _event(layout: Layout, *, case_id: int, complaint_id: str, kind: str, data: str, at: str) -> str:
    return layout.row(
        {"case_id": str(case_id), "complaint_id": complaint_id, "kind": kind, "data": data, "created_at": at}
    )


def cases_chunk(plan: Plan, chunk: int, start: int, stop: int) -> tuple[bytes, bytes]:
    """Cases ``case_base + start`` to ``case_base + stop - 1``, and their opening events."""
    rng = _rng(plan, "case", chunk)
    layout, events = Layout(Case, varied=CASE_COLUMNS), Layout(CaseEvent, varied=EVENT_COLUMNS, skip_pk=True)
    closed_status, open_statuses, outcomes = Case.Status.CLOSED, Case.OPEN_STATUSES, Case.Outcome.values
    rows, event_rows = [], []
    for pk in range(plan.case_base + start, plan.case_base + stop):
        (platform_id, response_hours), opened, handle = case_traits(pk, plan)
        # Older cases are mostly closed; the last few weeks are mostly open: like a real queue.
        age_days = (plan.now - opened).days
        closed = rng.random() < (0.95 if age_days > 60 else 0.2)
        status = closed_status if closed else rng.choice(open_statuses)
        priority = Case.Priority.EMERGENCY if rng.random() < 0.05 else Case.Priority.ROUTINE
        changed = opened + (plan.now - opened) * rng.random() * 0.5
        due = sent = response_due = None
        if status == Case.Status.AWAITING_PLATFORM:
            sent, due = changed, changed + timedelta(hours=response_hours)
            response_due = due
        elif not closed:
            due = sla_due_at(status=status, priority=priority, start=changed)
        assignee = rng.choice(plan.caseworkers) if plan.caseworkers and rng.random() < 0.9 else None
        opened_text, changed_text = opened.isoformat(), changed.isoformat()  # each used twice
        rows.append(
            layout.row(
                {
                    "id": str(pk),
                    "reference": f"{plan.prefix}-CB-{opened.year}-{pk:07d}",
                    "platform_id": str(platform_id),
                    "account_handle": handle,
                    "account_handle_normalized": handle,
                    "status": status,
                    "priority": priority,
                    "assigned_to_id": NULL if assignee is None else str(assignee),
                    "opened_at": opened_text,
                    "status_changed_at": changed_text,
                    "due_at": copy_text(due),
                    "sent_to_platform_at": copy_text(sent),
                    "response_due_at": copy_text(response_due),
                    "outcome": rng.choice(outcomes) if closed else "",
                    "closed_at": changed_text if closed else NULL,
                }
            )
        )
        event_rows.append(
            _event(
                events,
                case_id=pk,
                complaint_id=NULL,
                kind=CaseEvent.Kind.CASE_OPENED,
                data='{"new": "NEW"}',
                at=opened_text,
            )
        )
    return "".join(rows).encode(), "".join(event_rows).encode()


def complaints_chunk(plan: Plan, chunk: int, start: int, stop: int) -> tuple[bytes, bytes]:
    """Complaints ``complaint_base + start`` to ``+ stop - 1`` and their events. The first ``cases``
    complaints open one case each; the rest join random earlier cases, as repeat complaints do."""
    rng = _rng(plan, "complaint", chunk)
    layout, events = Layout(Complaint, varied=COMPLAINT_COLUMNS), Layout(CaseEvent, varied=EVENT_COLUMNS, skip_pk=True)
    keyed_hash = Sha256Hmac(plan.hash_key)
    provinces = Province.values
    via, statuses = Complaint.SubmittedVia.values, Complaint.Status.values
    actions, categories = Complaint.ActionType.values, Complaint.Category.values
    rows: list[dict[str, str]] = []
    secrets: dict[str, list[str]] = {name: [] for name in Encryptor.FIELDS}
    for i in range(start, stop):
        first = i < plan.cases
        case_pk = plan.case_base + (i if first else rng.randrange(plan.cases))
        (platform_id, _hours), opened, handle = case_traits(case_pk, plan)
        received = opened if first else min(plan.now, opened + timedelta(minutes=rng.randrange(60, 200 * 60)))
        pk = plan.complaint_base + i
        cnic = f"{rng.choice(plan.districts)}{rng.randrange(10**8):08d}"
        mobile = f"+923{rng.randrange(10**9):09d}"
        province = rng.choice(provinces)
        for name, value in (
            ("full_name", rng.choice(plan.names)),
            ("cnic", cnic),
            ("mobile", mobile),
            ("email", f"citizen{pk}@example.pk" if i % 3 else ""),
            ("platform_notice_text", rng.choice(PLATFORM_NOTICES)),
            ("narrative", rng.choice(plan.narratives)),
        ):
            secrets[name].append(value)
        rows.append(
            {
                "id": str(pk),
                "reference": f"{plan.prefix}-B-{received.year}-{pk:07d}",
                "received_at": received.isoformat(),
                "submitted_via": "WEB" if rng.random() < 0.9 else rng.choice(via),
                "status": rng.choice(statuses) if rng.random() < 0.3 else Complaint.Status.ACCEPTED,
                "case_id": str(case_pk),
                "cnic_hash": keyed_hash(cnic.encode()).hex(),
                "mobile_hash": keyed_hash(mobile.encode()).hex(),
                "province": province,
                "city": copy_text(plan.cities[province]),
                "preferred_language": "ur" if rng.random() < 0.6 else "en",
                "platform_id": str(platform_id),
                "account_handle": handle,
                "account_handle_normalized": handle,
                "action_type": rng.choice(actions),
                "action_date": (received - timedelta(days=rng.randrange(1, 30))).date().isoformat(),
                "appealed_to_platform": "t" if rng.random() < 0.5 else "f",
                "category": rng.choice(categories),
                "consent_share_with_platform": "t" if rng.random() < 0.8 else "f",
            }
        )
    encrypt = Encryptor()
    for name, values in secrets.items():
        for row, token in zip(rows, encrypt.column(values), strict=True):
            row[name] = token
    event_rows = [
        _event(
            events,
            case_id=int(row["case_id"]),
            complaint_id=row["id"],
            kind=CaseEvent.Kind.COMPLAINT_RECEIVED,
            data=json.dumps({"reference": row["reference"], "evidence": 0}),
            at=row["received_at"],
        )
        for row in rows
    ]
    return "".join(map(layout.row, rows)).encode(), "".join(event_rows).encode()
