"""The database a bench measures: created if missing, migrated, and seeded up to a size."""

from __future__ import annotations

from urllib.parse import urlsplit


def database_prepare(url: str, complaints: int) -> None:
    """Create the database at ``url`` if needed, migrate it, and seed it (seed_demo, then seed_bulk)
    until it holds ``complaints`` complaints. Django must be set up on ``url`` already."""
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    from django.core.management import call_command

    from complaints.models import Complaint

    call_command("migrate", verbosity=0)
    have = Complaint.objects.count()
    if have == 0:
        call_command("seed_demo", verbosity=0)
        have = Complaint.objects.count()
    if have < complaints:
        print(f"seeding {complaints - have} complaints into {name} …", flush=True)
        call_command("seed_bulk", complaints=complaints - have)
