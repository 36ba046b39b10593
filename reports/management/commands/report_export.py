"""Export a dataset to a file from the shell, for scheduled jobs.

    manage.py report_export --dataset complaints --format xlsx --output /srv/exports/c.xlsx \
        [--since 2026-01-01] [--until 2026-06-30] [--platform x] [--with-pii]

Without --with-pii the file has no PII column at all. Either way the export is logged as made by the
system user (settings.EXPORT_SYSTEM_USERNAME). A CSV's data dictionary is written beside it, as
``<output stem>.dictionary.csv``; an XLSX carries its dictionary as its last sheet.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.models import Platform
from reports import services
from reports.datasets import DATASETS
from reports.models import ExportLog, Format
from reports.selectors import PLATFORM_FIELD, dataset_queryset


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Export complaints, cases, letters or the PII access log to CSV or XLSX (logged as the system user)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", required=True, choices=sorted(DATASETS))
        parser.add_argument("--format", required=True, choices=Format.values, dest="fmt")
        parser.add_argument("--output", required=True, help="The file to write; its folder must exist.")
        parser.add_argument("--since", type=_day, help="First day included (YYYY-MM-DD, Pakistan time).")
        parser.add_argument("--until", type=_day, help="Last day included (YYYY-MM-DD, Pakistan time).")
        parser.add_argument("--platform", help="A platform's slug, e.g. x or facebook.")
        parser.add_argument("--with-pii", action="store_true", help="Add the PII columns, in clear.")

    def handle(
        self,
        *args: Any,
        dataset: str,
        fmt: str,
        output: str,
        since: date | None,
        until: date | None,
        platform: str | None,
        with_pii: bool,
        **options: Any,
    ) -> None:
        spec = DATASETS[dataset]
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        if path.is_dir():
            raise CommandError(f"{path} is a folder; give a file name.")
        if since and until and since > until:
            raise CommandError("--since is after --until.")
        if platform is not None:
            if dataset not in PLATFORM_FIELD:
                raise CommandError(f"--platform does not apply to {dataset}.")
            if not Platform.objects.filter(slug=platform).exists():
                slugs = ", ".join(Platform.objects.order_by("slug").values_list("slug", flat=True))
                raise CommandError(f"No platform {platform!r}; use one of: {slugs}.")
        if with_pii and not spec.has_pii:
            raise CommandError(f"{dataset} has no PII columns; drop --with-pii.")
        rows = dataset_queryset(spec, since=since, until=until, platform=platform)
        filters = {
            key: [str(value)]
            for key, value in {"since": since, "until": until, "platform": platform}.items()
            if value is not None
        }
        try:
            out = path.open("wb")
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}") from None
        with out:
            log = services.export_log_write(
                user=self._system_user(),
                spec=spec,
                fmt=fmt,
                via=ExportLog.Via.COMMAND,
                filters=filters,
                row_count=rows.count(),
                with_pii=with_pii,
            )
            written = services.export_write(out, spec=spec, queryset=rows, fmt=fmt, with_pii=with_pii)
        message = f"{written} rows of {dataset} written to {path} (export log {log.pk})"
        if fmt == Format.CSV:
            dictionary = path.with_name(f"{path.stem}.dictionary.csv")
            dictionary.write_bytes(services.export_dictionary_csv(columns=spec.columns_for(with_pii=with_pii)))
            message += f"; data dictionary in {dictionary}"
        self.stdout.write(message + ".")

    def _system_user(self) -> User:
        user, created = User.objects.get_or_create(
            username=settings.EXPORT_SYSTEM_USERNAME, defaults={"is_active": False, "is_staff": False}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user
