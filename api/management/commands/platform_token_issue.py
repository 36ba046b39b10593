"""Issue an API token for a platform and print it once, alone on the last line (for scripts)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from api.services import platform_token_issue
from complaints.models import Platform


class Command(BaseCommand):
    help = "Issue a bearer token for a platform's API calls. The token is printed once and never stored."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("platform", help="The platform's slug, e.g. x or facebook.")
        parser.add_argument("--name", default="default", help="What the platform uses the token for.")

    def handle(self, *args: Any, platform: str, name: str, **options: Any) -> None:
        target = Platform.objects.filter(slug=platform).first()
        if target is None:
            raise CommandError(f"There is no platform {platform!r}.")
        issued = platform_token_issue(platform=target, name=name, actor=None)
        self.stdout.write(
            f"Issued token {issued.token.prefix}… ({name}) for {target.name}. It is shown once; keep it secret:"
        )
        self.stdout.write(issued.plaintext)
