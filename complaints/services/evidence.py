"""Pictures re-encoded by a worker after the submission, where the citizen's request used to do it.

Decoding and re-encoding a screenshot was half the web CPU of a submission with one picture. The
request now runs every check that reads the picture's structure and header (complaints.evidence:
type, trailing data, hidden files, pixel and memory budgets) and stores the bytes as received under
``quarantine/``, with the evidence row PENDING. After the commit it publishes a batch task (one per
window for all web processes, regulator_portal.batching) that re-encodes every PENDING picture:

- READY: the re-encoded picture is stored under ``evidence/``, the row points at it, and the
  received bytes are deleted once that commits;
- REFUSED: the picture could not be decoded, or is too large once decoded; the received bytes are
  deleted and the row keeps no file.

Either way the case gets an EVIDENCE_CHECKED event in the transaction that records the outcome. The
storage reads and writes happen outside any transaction (``evidence_clean_one``). The guarantee that staff
never see an unstripped file holds because nothing serves a row that is not READY: the download and
thumbnail views find only READY rows (selectors.evidence_for_download), and the case pages show
"being checked" without a link. Beat runs the same task every half minute, for a publish that was lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..models import CaseEvent, Evidence, private_storage
from .publish import batch_task_publish

logger = logging.getLogger(__name__)

BATCH_LIMIT = 200
# A claim older than this is a dead worker's: the picture is taken over.
CLEAN_CLAIM_SECONDS = 120
# A file under quarantine/ younger than this may belong to a submission still in its transaction.
ORPHAN_AFTER = timedelta(minutes=10)


def evidence_clean_publish() -> None:
    """After a submission with pictures commits: have a worker re-encode them. Never raises."""
    from ..tasks import evidence_clean_task  # tasks.py imports this package

    batch_task_publish(
        evidence_clean_task,
        name="evidence",
        window=settings.EVIDENCE_CLEAN_BATCH_SECONDS,
        unpublished="pictures not published for checking; the sweep will check them",
    )


def evidences_clean_pending(*, limit: int = BATCH_LIMIT) -> dict[str, int]:
    """Re-encode the pictures still PENDING, oldest first; returns how many ended READY and REFUSED.

    Two batches running at once split the pictures between them: each claims a picture before it
    reads it, and skips one the other has claimed.
    """
    outcomes: dict[str, int] = {Evidence.State.READY: 0, Evidence.State.REFUSED: 0}
    pending = _claimable(timezone.now()).order_by("pk").values_list("pk", flat=True)
    for evidence_id in list(pending[:limit]):
        try:
            state = evidence_clean_one(evidence_id=evidence_id)
        except Exception as exc:  # storage unreachable, say: the row stays PENDING for the next run
            logger.warning("evidence %s not checked (%s); the next run tries again", evidence_id, type(exc).__name__)
            continue
        if state in outcomes:
            outcomes[state] += 1
    return {str(state): count for state, count in outcomes.items() if count}


def _claimable(now: datetime) -> QuerySet[Evidence]:
    unclaimed = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - timedelta(seconds=CLEAN_CLAIM_SECONDS))
    return Evidence.objects.filter(unclaimed, state=Evidence.State.PENDING)


def evidence_clean_one(*, evidence_id: int) -> str | None:
    """Re-encode one PENDING picture: its new state, or None if another worker has it or had it.

    The picture is claimed by a conditional update, read, re-encoded and written back to storage
    outside any transaction (storage may be S3, across the network); only the outcome, its event
    and the row's new file are written in one short transaction, and only if the claim still holds.
    """
    # Imported here: complaints.evidence imports this package (EvidenceUpload).
    from ..evidence import Rejected, evidence_clean

    claimed_at = timezone.now()
    if not _claimable(claimed_at).filter(pk=evidence_id).update(claimed_at=claimed_at):
        return None
    claim = Evidence.objects.filter(pk=evidence_id, state=Evidence.State.PENDING, claimed_at=claimed_at)
    item = Evidence.objects.select_related("complaint").get(pk=evidence_id)
    received = str(item.file.name)
    storage = item.file.storage
    try:
        with storage.open(received, "rb") as handle:
            content = handle.read()
        try:
            clean = evidence_clean(item.content_type, content)
        except Rejected as rejected:
            # The refusal's own words, as the form would have shown them: never the file's bytes.
            outcome = {"state": Evidence.State.REFUSED, "reason": rejected.message}
            item.state, item.file.name = Evidence.State.REFUSED, ""
        else:
            outcome = {"state": Evidence.State.READY}
            item.state, item.size = Evidence.State.READY, len(clean)
            item.file.save("evidence", ContentFile(clean), save=False)
    except BaseException:
        # Storage failed: the next run may take the picture at once.
        claim.update(claimed_at=None)
        raise
    stored = str(item.file.name)
    try:
        with transaction.atomic():
            recorded = claim.update(state=item.state, size=item.size, file=stored)
            if recorded:
                CaseEvent.objects.create(
                    case_id=item.complaint.case_id,
                    complaint=item.complaint,
                    kind=CaseEvent.Kind.EVIDENCE_CHECKED,
                    data={"evidence": item.pk, **outcome},
                )
    except BaseException:
        # The row stays PENDING for the next run; the re-encoded copy must not stay behind.
        if stored:
            storage.delete(stored)
        raise
    if not recorded:
        # Too slow: the claim ran out and another worker took the picture over.
        if stored:
            storage.delete(stored)
        return None
    # The bytes as received go once the row no longer points at them (at once outside a transaction).
    transaction.on_commit(lambda: storage.delete(received))
    logger.info("evidence %s checked: %s", item.pk, item.state)
    return str(item.state)


def evidence_quarantine_sweep(*, now: datetime | None = None) -> int:
    """Delete the pictures under ``quarantine/`` that no PENDING row points at: the bytes as received,
    EXIF and GPS included, that a worker killed between its commit and the deletion left behind.

    Run hourly by beat. Files younger than ORPHAN_AFTER are left: their submission may not have
    committed yet. Returns how many were deleted; the count, never a name, is logged.
    """
    now = now or timezone.now()
    storage = private_storage()
    pending = set(Evidence.objects.filter(state=Evidence.State.PENDING).values_list("file", flat=True))
    removed = 0
    for name in _quarantined(storage):
        if name in pending or now - storage.get_modified_time(name) < ORPHAN_AFTER:
            continue
        storage.delete(name)
        removed += 1
    if removed:
        logger.warning("deleted %d picture(s) left in quarantine/ without a row", removed)
    return removed


def _quarantined(storage: Storage) -> Iterator[str]:
    # The folders evidence_upload_to makes: quarantine/<year>/<month>/<random hex>.
    try:
        years, _files = storage.listdir("quarantine")
    except FileNotFoundError:
        return
    for year in years:
        months, _files = storage.listdir(f"quarantine/{year}")
        for month in months:
            _dirs, files = storage.listdir(f"quarantine/{year}/{month}")
            yield from (f"quarantine/{year}/{month}/{name}" for name in files)
