"""Reports, dashboards and exports read from a real streaming standby; everything else, and every
write, goes to the primary."""

from __future__ import annotations

import json
import time

from .conftest import PRIMARY_PORT, STANDBY_PORT, Browser, complaint_post, manage, portal_python, psql

FIGURES = (
    "import json\n"
    "from django.db import connections\n"
    "from django.test.utils import CaptureQueriesContext\n"
    "from reports.selectors import statistics\n"
    "where = {}\n"
    "for alias in ('default', 'reports'):\n"
    "    with connections[alias].cursor() as cursor:\n"
    "        cursor.execute('SELECT pg_is_in_recovery(), inet_server_port()')\n"
    "        where[alias] = cursor.fetchone()\n"
    "with CaptureQueriesContext(connections['default']) as primary, "
    "CaptureQueriesContext(connections['reports']) as replica:\n"
    "    figures = statistics.open_cases(platform_ids=None)\n"
    "print('FIGURES', json.dumps({'where': where, 'new': figures.by_status['NEW'],"
    " 'primary_queries': len(primary), 'replica_queries': len(replica)}))\n"
)


def figures(env: dict[str, str]) -> dict:
    return json.loads(portal_python(env, FIGURES).split("FIGURES")[-1])


def test_the_dashboard_reads_the_standby_and_a_complaint_filed_on_the_primary_shows_after_replication(
    webs, seed, web_env, primary, standby
):
    before = figures(web_env)
    # The reports connection is the standby, in recovery; default reaches the primary (via PgBouncer).
    assert before["where"] == {"default": [False, PRIMARY_PORT], "reports": [True, STANDBY_PORT]}
    assert before["replica_queries"] >= 1 and before["primary_queries"] == 0

    # A citizen files on a web host that also has the replica configured: every write went to the
    # primary (the standby refuses writes, so one sent there would have failed the request).
    assert complaint_post(Browser(), webs[0].url, seed, handle="@replicavoice").status_code == 303
    assert psql(primary.port, "SELECT count(*) FROM complaints_case WHERE status = 'NEW'") == str(before["new"] + 1)

    deadline = time.monotonic() + 20
    after = figures(web_env)
    while after["new"] == before["new"] and time.monotonic() < deadline:
        time.sleep(0.5)
        after = figures(web_env)
    assert after["new"] == before["new"] + 1
    assert psql(standby.port, "SELECT pg_is_in_recovery()") == "t"


def test_an_export_reads_the_standby_and_its_log_is_written_on_the_primary(web_env, primary, standby, tmp_path):
    out = portal_python(
        web_env,
        "from reports.datasets import DATASETS\n"
        "from reports.selectors import dataset_queryset\n"
        "print('ALIAS', dataset_queryset(DATASETS['complaints']).db)\n",
    )
    assert out.split("ALIAS")[-1].strip() == "reports"
    logged = int(psql(primary.port, "SELECT count(*) FROM reports_exportlog"))

    output = tmp_path / "complaints.csv"
    manage(web_env, "report_export", "--dataset", "complaints", "--format", "csv", "--output", str(output))

    rows = output.read_text(encoding="utf-8-sig").strip().splitlines()
    assert len(rows) - 1 == int(psql(standby.port, "SELECT count(*) FROM complaints_complaint")) >= 1
    assert int(psql(primary.port, "SELECT count(*) FROM reports_exportlog")) == logged + 1
