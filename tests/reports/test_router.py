"""The reports alias: the default database unless a replica is configured, and never written to."""

from __future__ import annotations

from complaints.models import Complaint
from regulator_portal.routers import ReportsRouter, reports_alias
from reports.models import ExportLog


def test_without_a_replica_reports_read_from_default_over_the_same_connection(settings):
    assert settings.DATABASES["reports"] is settings.DATABASES["default"]
    assert reports_alias() == "default"
    assert ReportsRouter().db_for_read(ExportLog) == "default"


def test_with_a_replica_only_reports_reads_go_there_and_writes_stay_on_default(settings):
    settings.DATABASES = {**settings.DATABASES, "reports": {**settings.DATABASES["default"], "HOST": "replica"}}
    router = ReportsRouter()
    assert reports_alias() == "reports"
    assert router.db_for_read(ExportLog) == "reports"
    assert router.db_for_read(Complaint) is None  # the rest of the portal keeps reading from default
    assert router.db_for_write(ExportLog) == "default"
    assert router.allow_migrate("reports", "reports") is False
    assert router.allow_migrate("default", "reports") is True


def test_with_a_replica_an_object_read_again_comes_from_where_it_was_read(settings):
    """The export worker finishes a job on the primary and reads it back: a standby that lags would
    still say RUNNING (a fresh-clone CI run caught exactly that)."""
    settings.DATABASES = {**settings.DATABASES, "reports": {**settings.DATABASES["default"], "HOST": "replica"}}
    router = ReportsRouter()
    on_primary = ExportLog()
    on_primary._state.db = "default"
    assert router.db_for_read(ExportLog, instance=on_primary) == "default"
    on_replica = ExportLog()
    on_replica._state.db = "reports"
    assert router.db_for_read(ExportLog, instance=on_replica) == "reports"
    assert router.db_for_read(ExportLog, instance=ExportLog()) == "reports"  # unsaved: no origin yet
