"""seed_demo and seed_bulk refuse to run under production settings, and write nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from complaints.models import Complaint, Platform
from tests.intake.test_deploy_check import BASE_DIR, production_env


def this_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("command", [["seed_demo"], ["seed_bulk", "--complaints", "10"]])
def test_seeding_under_production_settings_exits_non_zero_and_writes_nothing(command):
    before = (Platform.objects.count(), User.objects.count(), Complaint.objects.count())
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=BASE_DIR,
        env=production_env(DATABASE_URL=this_database_url()),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "do not allow demo data" in result.stderr and "Nothing was written" in result.stderr
    assert "Traceback" not in result.stderr  # a clear message, not a crash
    assert (Platform.objects.count(), User.objects.count(), Complaint.objects.count()) == before


@pytest.mark.django_db
@override_settings(DEMO_DATA_ALLOWED=False)
def test_seed_demo_refuses_when_demo_data_is_not_allowed():
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("seed_demo")
    assert not User.objects.filter(username="ayesha").exists()
