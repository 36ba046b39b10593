"""Time and peak memory of the complaint exports, against a plain stream and django-import-export.

    .venv/bin/python bench/exports.py [--sizes 100000 1000000] [--skip-import-export]

It uses its own PostgreSQL database (BENCH_EXPORTS_DATABASE_URL, default bench_exports), creating,
migrating and seeding it (seed_demo, then seed_bulk) up to each size in turn. Every export runs as
a process of its own (this script, with --run) under /usr/bin/time -v's little sibling
(`-f "%e %M"`), writing to a file under var/bench/: its wall clock and its peak RSS.

- baseline: values_list of the complaint table's own columns (id, reference, received_at, status,
  platform_id, action_type, category, province) from a server-side cursor into csv.writer. No joins.
- csv / xlsx: the real export (reports.services.export_write), without PII: the case join, platform
  names, labels, days in Pakistan time, the formula neutraliser.
- csv_pii: the same with the PII columns, which decrypts every CNIC and mobile (for information).
- import_export_csv / _xlsx: django-import-export's ModelResource export of the same rows and
  columns (through select_related), to CSV and to XLSX.

Targets (docs/reports.md): csv <= 2x baseline and xlsx <= 12x, each <= 150 MB peak RSS, and both
>= 10x faster than import-export's export to the same format, with <= 1/10 of its memory.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.database import database_prepare  # noqa: E402

DEFAULT_URL = "postgres://root@127.0.0.1:5432/bench_exports"
OUT = ROOT / "var" / "bench"
KINDS = ["baseline", "csv", "xlsx", "csv_pii", "import_export_csv", "import_export_xlsx"]
# Each of our formats against django-import-export's export to the same format.
AGAINST = {"csv": "import_export_csv", "xlsx": "import_export_xlsx"}


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DATABASE_REPLICA_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulator_portal.settings.local")
    os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory
    import django

    django.setup()


def rows_upto(limit: int):  # type: ignore[no-untyped-def]
    """The first ``limit`` complaints by id: the same rows for every kind."""
    from complaints.models import Complaint

    last = Complaint.objects.order_by("pk").values_list("pk", flat=True)[limit - 1]
    return Complaint.objects.filter(pk__lte=last).order_by("pk")


def run(kind: str, limit: int, path: Path) -> int:
    from django.db import transaction

    rows = rows_upto(limit)
    if kind == "baseline":
        columns = ["id", "reference", "received_at", "status", "platform_id", "action_type", "category", "province"]
        with transaction.atomic(), path.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            n = 0
            for row in rows.values_list(*columns).iterator(chunk_size=5000):
                writer.writerow(row)
                n += 1
        return n
    if kind.startswith("import_export"):
        from import_export import fields, resources

        from complaints.models import Complaint

        class ComplaintResource(resources.ModelResource):
            case_reference = fields.Field(attribute="case__reference", column_name="Case")
            platform_name = fields.Field(attribute="platform__name", column_name="Platform")
            case_status = fields.Field(attribute="case__status", column_name="Case status")
            sent = fields.Field(attribute="case__sent_to_platform_at", column_name="Date sent to platform")
            responded = fields.Field(attribute="case__platform_responded_at", column_name="Platform response")
            timely = fields.Field(attribute="case__timely_response", column_name="Timely response?")
            outcome = fields.Field(attribute="case__outcome", column_name="Outcome")

            class Meta:
                model = Complaint
                fields = (
                    "reference",
                    "received_at",
                    "action_type",
                    "category",
                    "province",
                    "submitted_via",
                    "status",
                    "case_reference",
                    "platform_name",
                    "case_status",
                    "sent",
                    "responded",
                    "timely",
                    "outcome",
                )

        dataset = ComplaintResource().export(queryset=rows.select_related("case", "platform"))
        if kind == "import_export_xlsx":
            path.write_bytes(dataset.xlsx)
        else:
            path.write_text(dataset.csv)
        return len(dataset)
    from reports import services
    from reports.datasets import COMPLAINTS

    fmt = "xlsx" if kind == "xlsx" else "csv"
    with path.open("wb") as out:
        return services.export_write(out, spec=COMPLAINTS, queryset=rows, fmt=fmt, with_pii=kind == "csv_pii")


def measure(kind: str, limit: int) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, rows) of one export in a process of its own, under /usr/bin/time.

    Linux carries a process's peak RSS across exec, so a child forked straight from this (large)
    process would report this process's size; /usr/bin/time is small and forks the export itself.
    """
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{kind}-{limit}.{'xlsx' if kind.endswith('xlsx') else 'csv'}"
    timing = OUT / f"{kind}-{limit}.time"
    command = [sys.executable, __file__, "--run", kind, "--limit", str(limit), "--path", str(path)]
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", "-o", str(timing), *command], stdout=subprocess.PIPE, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} at {limit} failed")
    seconds, kilobytes = timing.read_text().split()[-2:]
    path.unlink(missing_ok=True)
    timing.unlink(missing_ok=True)
    return float(seconds), int(kilobytes) / 1024, int(done.stdout.decode().strip() or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--skip-import-export", action="store_true")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=KINDS, help="Only these (baseline always runs).")
    parser.add_argument("--run", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_EXPORTS_DATABASE_URL", DEFAULT_URL)
    os.environ["BENCH_EXPORTS_DATABASE_URL"] = url
    django_setup(url)
    if args.run:
        print(run(args.run, args.limit, args.path))
        return

    chosen = {"baseline", *args.kinds}
    kinds = [k for k in KINDS if k in chosen and not (args.skip_import_export and k.startswith("import_export"))]
    failures = []
    for size in sorted(args.sizes):
        database_prepare(url, size)
        results = {kind: measure(kind, size) for kind in kinds}
        base_s, base_mb, _ = results["baseline"]
        print(f"\n{size:,} complaints")
        print(f"{'export':<20}{'rows':>10}{'seconds':>10}{'peak MB':>10}{'x baseline':>12}  against import-export")
        for kind, (seconds, mb, n) in results.items():
            vs_ie = ""
            if AGAINST.get(kind) in results:
                ie_s, ie_mb, _ = results[AGAINST[kind]]
                vs_ie = f"{ie_s / seconds:.1f}x faster, {mb / ie_mb:.0%} of its memory"
            print(f"{kind:<20}{n:>10,}{seconds:>10.1f}{mb:>10.0f}{seconds / base_s:>12.1f}  {vs_ie}")
        for kind, ratio in (("csv", 2), ("xlsx", 12)):
            if kind not in results:
                continue
            seconds, mb, _ = results[kind]
            if seconds > ratio * base_s:
                failures.append(f"{size}: {kind} took {seconds / base_s:.1f}x the baseline (target {ratio}x)")
            if mb > 150:
                failures.append(f"{size}: {kind} peaked at {mb:.0f} MB (target 150)")
            if AGAINST[kind] in results:
                ie_s, ie_mb, _ = results[AGAINST[kind]]
                if ie_s < 10 * seconds or ie_mb < 10 * mb:
                    failures.append(f"{size}: {kind} is not 10x better than import-export in time and memory")
    print("\n" + ("\n".join(failures) if failures else "All targets met."))


if __name__ == "__main__":
    main()
