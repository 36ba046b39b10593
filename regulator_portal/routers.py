"""Reports read from their own alias, which the scale-out work can point at a streaming replica.

Only the reports app's reads go there (its selectors pass ``using=reports_alias()`` for the
complaints and notices rows they read); every write goes to default, and nothing is migrated on
the replica, which follows the primary.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Model

REPORTS = "reports"


def reports_alias() -> str:
    """``reports`` when it names a database of its own; ``default`` when it is the same one.

    A second connection to the same database would not see the rows the current transaction wrote
    (an export started in the request that just logged it, or a test's own data).
    """
    if settings.DATABASES.get(REPORTS, settings.DATABASES["default"]) is settings.DATABASES["default"]:
        return "default"
    return REPORTS


class ReportsRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        # An object read again (refresh_from_db, a related row) is read where it came from: a job the
        # worker has just finished on the primary must not be re-read from a standby that lags behind.
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return str(instance._state.db)
        return reports_alias() if model._meta.app_label == REPORTS else None

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # Both aliases hold the same rows (the replica follows the primary).
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return db != REPORTS
