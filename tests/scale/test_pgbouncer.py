"""The portal behind PgBouncer in transaction mode: a submission, a case change and an export."""

from __future__ import annotations

from .conftest import Browser, complaint_post, pgbouncer_show, portal_python, psql


def test_a_submission_a_case_change_and_an_export_work_through_pgbouncer_in_transaction_mode(
    webs, seed, web_env, primary, tmp_path
):
    config = {row["key"]: row["value"] for row in pgbouncer_show("CONFIG")}
    assert config["pool_mode"] == "transaction"
    before = {row["database"]: int(row["total_xact_count"]) for row in pgbouncer_show("STATS")}.get("portal", 0)

    assert complaint_post(Browser(), webs[1].url, seed, handle="@pooledvoice").status_code == 303

    # A caseworker's change and an export read from default (PgBouncer too, not the replica), as a web
    # host and a worker run them, with server-side cursors off (DATABASE_POOLER=pgbouncer).
    out = portal_python(
        web_env,
        "from django.contrib.auth.models import User\n"
        "from django.db import connection\n"
        "from complaints.models import Case\n"
        "from complaints.services.cases import case_take, case_transition\n"
        "from reports.datasets import DATASETS\n"
        "from reports.selectors import dataset_queryset\n"
        "from reports import services\n"
        "import io\n"
        "user = User.objects.get(username='scale-admin-0')\n"
        "case = Case.objects.filter(status='NEW').latest('pk')\n"
        "case = case_take(case=case, actor=user)\n"
        "case = case_transition(case=case, to='IN_REVIEW', actor=user)\n"
        "out = io.BytesIO()\n"
        "queryset = dataset_queryset(DATASETS['cases']).using('default')\n"
        "rows = services.export_write(out, spec=DATASETS['cases'], queryset=queryset, fmt='csv', with_pii=False)\n"
        "print('POOLED', case.pk, case.reference, rows, connection.settings_dict['DISABLE_SERVER_SIDE_CURSORS'])\n",
    )
    case_id, case_reference, rows, no_server_cursors = out.split("POOLED")[-1].split()
    assert no_server_cursors == "True"
    assert int(rows) >= 1
    assert psql(
        primary.port,
        f"SELECT status, assigned_to_id IS NOT NULL FROM complaints_case WHERE id = {int(case_id)}",  # noqa: S608
    ) == ("IN_REVIEW|t")
    after = {row["database"]: int(row["total_xact_count"]) for row in pgbouncer_show("STATS")}["portal"]
    assert after > before  # the traffic really went through the pooler
