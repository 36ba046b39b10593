"""Loading the generated rows: worker processes render chunks, this process streams them with COPY.

Fernet encryption dominates the cost of a row, so chunks are rendered by ``processes`` forked
workers while this process only passes their bytes to PostgreSQL, in one transaction: a failed
load leaves nothing behind.

When the load at least doubles the complaint table, the tables' plain indexes and foreign keys are
dropped first and recreated from their own definitions afterwards, in the same transaction. Rebuilding
an index by sorting is several times cheaper than a million random insertions, and re-adding a foreign
key checks every row in one join instead of one queued trigger per row and key. Unique indexes and
primary keys stay, so a duplicate reference still fails the load at once; a recreated foreign key
still checks every row, and anything wrong rolls the whole load back with the indexes as they were.
Other sessions wait on the tables' locks meanwhile: this is a loader for benchmark and demo databases.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from itertools import islice
from typing import Any

from django.db import connection, transaction

from complaints.models import Case, CaseEvent, Complaint

from . import rows
from .copy import Layout

TABLES = [Case._meta.db_table, Complaint._meta.db_table, CaseEvent._meta.db_table]
CHUNK = 5_000
FILLED_COLUMNS = [
    f"{model._meta.db_table}.{column}"
    for model, columns in (
        (Case, rows.CASE_COLUMNS),
        (Complaint, rows.COMPLAINT_COLUMNS),
        (CaseEvent, ["id", *rows.EVENT_COLUMNS]),
    )
    for column in columns
]
FILLED_KEYS = [
    f"{model._meta.db_table}.{column}"
    for model, columns in (
        (Case, ["platform_id", "assigned_to_id"]),
        (Complaint, ["case_id", "platform_id"]),
        (CaseEvent, ["case_id", "complaint_id"]),
    )
    for column in columns
]

# The plan of the running load, set before the workers fork so that they inherit it.
_plan: rows.Plan | None = None


def _render(task: tuple[str, int, int, int]) -> tuple[str, bytes, bytes]:
    kind, chunk, start, stop = task
    assert _plan is not None
    make = rows.cases_chunk if kind == "case" else rows.complaints_chunk
    return (kind, *make(_plan, chunk, start, stop))


def _tasks(plan: rows.Plan) -> list[tuple[str, int, int, int]]:
    tasks = [("case", n, s, min(s + CHUNK, plan.cases)) for n, s in enumerate(range(0, plan.cases, CHUNK))]
    tasks += [
        ("complaint", n, s, min(s + CHUNK, plan.complaints)) for n, s in enumerate(range(0, plan.complaints, CHUNK))
    ]
    return tasks


def bulk_load(*, plan: rows.Plan, processes: int, say: Callable[[str], None]) -> None:
    """Write the plan's cases, complaints and events; ``say`` hears each phase's time."""
    global _plan
    started = time.monotonic()
    rows.Encryptor()  # derives the fields' keys (PBKDF2) here, once, for the workers to inherit
    _plan = plan
    layouts = {
        "case": Layout(Case, varied=rows.CASE_COLUMNS),
        "complaint": Layout(Complaint, varied=rows.COMPLAINT_COLUMNS),
    }
    events_layout = Layout(CaseEvent, varied=rows.EVENT_COLUMNS, skip_pk=True)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            # A crash may lose a just-committed load, never corrupt one: fine for synthetic rows, and
            # the commit does not wait for the WAL of a gigabyte to reach the disk.
            raw.execute("SET LOCAL synchronous_commit = off")
            existing = Complaint.objects.count()
            suspend = plan.complaints >= existing
            with _indexes_suspended(raw, say) if suspend else nullcontext():
                events: list[bytes] = []
                tasks = _tasks(plan)
                chunks = Counter(kind for kind, *_span in tasks)
                # The results come in the tasks' order: every case chunk, then every complaint chunk.
                with _rendered(tasks, processes) as results:
                    for kind in ("case", "complaint"):
                        with raw.copy(layouts[kind].sql) as copy:
                            for _kind, table_rows, event_rows in islice(results, chunks[kind]):
                                copy.write(table_rows)
                                events.append(event_rows)
                        say(f"{kind}s written at {time.monotonic() - started:.1f} s")
                with raw.copy(events_layout.sql) as copy:
                    for chunk in events:
                        copy.write(chunk)
                del events
                say(f"events written at {time.monotonic() - started:.1f} s")
            _sequences_reset(raw)
    finally:
        _plan = None
    _analyse()
    say(f"tables analysed at {time.monotonic() - started:.1f} s")


@contextmanager
def _rendered(tasks: list[tuple[str, int, int, int]], processes: int) -> Iterator[Iterator[tuple[str, bytes, bytes]]]:
    if processes <= 1:
        yield (_render(task) for task in tasks)
        return
    # fork: the workers inherit Django, the plan and the derived keys; they never touch the database.
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        yield pool.imap(_render, tasks)


@contextmanager
def _indexes_suspended(raw: Any, say: Callable[[str], None]) -> Iterator[None]:
    # Only the keys that the load fills: a null key costs its trigger next to nothing, while checking
    # a re-added key scans the whole table.
    raw.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint c "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) AND cardinality(conkey) = 1 AND ("
        "SELECT conrelid::regclass::text || '.' || attname FROM pg_attribute "
        "WHERE attrelid = conrelid AND attnum = conkey[1]) = ANY(%s) ORDER BY conname",
        [TABLES, FILLED_KEYS],
    )
    foreign_keys = raw.fetchall()
    # An index whose every key is a column the load writes as one constant (a null foreign key, most
    # often) stays: equal keys are ordered by their rows' places in the heap, so each new entry goes to
    # the index's right edge, which costs less than a scan of the whole table to rebuild it.
    raw.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisunique AND NOT indisprimary AND ("
        "indexprs IS NOT NULL OR EXISTS (SELECT FROM pg_attribute WHERE attrelid = indrelid "
        "AND attnum = ANY(indkey) AND indrelid::regclass::text || '.' || attname = ANY(%s))) ORDER BY 1",
        [TABLES, FILLED_COLUMNS],
    )
    indexes = raw.fetchall()
    # Checks still deferred from earlier in the transaction would forbid ALTER TABLE: run them now.
    raw.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, name, _definition in foreign_keys:
        raw.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        raw.execute(f"DROP INDEX {name}")
    yield
    started = time.monotonic()
    # Enough memory that each build sorts in memory even when split among parallel workers.
    raw.execute("SET LOCAL maintenance_work_mem = '1GB'")
    raw.execute("SET LOCAL max_parallel_maintenance_workers = 2")
    for _name, definition in indexes:
        raw.execute(definition)
    say(f"{len(indexes)} indexes rebuilt in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    for table, name, definition in foreign_keys:
        raw.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    raw.execute("SET CONSTRAINTS ALL DEFERRED")
    say(f"{len(foreign_keys)} foreign keys checked in {time.monotonic() - started:.1f} s")


def _sequences_reset(raw: Any) -> None:
    for table in TABLES:
        raw.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))",  # noqa: S608
            [table],
        )


def _analyse() -> None:
    # Statistics at once, so the admin's plans fit the new sizes. The visibility map is left to
    # autovacuum, which the inserted rows trigger on their own; a VACUUM here would read and write
    # every new page once more before the command could finish.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(TABLES)}")
