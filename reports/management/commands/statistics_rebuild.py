"""Rebuild the daily complaint summary for a range of days (all of it by default)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Max, Min
from django.utils import timezone

from complaints.models import Complaint
from reports.services import summary_refresh


class Command(BaseCommand):
    help = "Rebuild the statistics' daily summary of complaints, a month at a time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--start", type=date.fromisoformat, help="First day (YYYY-MM-DD); default: the first complaint"
        )
        parser.add_argument("--end", type=date.fromisoformat, help="Last day (YYYY-MM-DD); default: today")

    def handle(self, *args: Any, start: date | None, end: date | None, **options: Any) -> None:
        bounds = Complaint.objects.aggregate(first=Min("received_at"), last=Max("received_at"))
        if start is None:
            start = timezone.localtime(bounds["first"]).date() if bounds["first"] else timezone.localdate()
        if end is None:
            end = max(timezone.localdate(), timezone.localtime(bounds["last"]).date() if bounds["last"] else start)
        if start > end:
            raise CommandError("--start is after --end")
        written, day = 0, start
        # One transaction per month: each is short, and readers never see a month half rebuilt.
        while day <= end:
            last = min(end, (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1))
            written += summary_refresh(start=day, end=last)
            day = last + timedelta(days=1)
        self.stdout.write(f"{written} summary rows for {start} to {end}")
