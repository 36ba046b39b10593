"""The embedded default that `make run` starts on a fresh clone: no DATABASE_URL, no REDIS_URL.

The rest of the suite runs on PostgreSQL, so a statement only PostgreSQL understands would pass
every other test and still break the README's first step. Here a separate process migrates an
SQLite database, loads the demo and files a complaint through the public form.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

FILE_A_COMPLAINT = """
from django.test import Client
from complaints.models import Complaint, Platform
from tests.intake.conftest import form_data, png_bytes, upload

client = Client(HTTP_HOST="127.0.0.1")
client.get("/en/complaints/new/")
data = {**form_data(Platform.objects.get(slug="x"), account_handle="first_look")}
data["evidence"] = [upload("shot.png", png_bytes(), "image/png")]
response = client.post("/en/complaints/new/", data)
complaint = Complaint.objects.get(account_handle_normalized="first_look")
picture = complaint.evidence.get()
print("STATUS", response.status_code, complaint.reference, complaint.case.reference)
print("PICTURE", picture.state, picture.file.name.split("/")[0])
"""


def _manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_fresh_clone_migrates_loads_the_demo_and_takes_a_complaint_on_sqlite(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "TEST_", "CELERY_", "EMAIL_"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "regulator_portal.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "SMS_FILE_PATH": str(tmp_path / "sms"),
    }
    _manage("migrate", "--no-input", "-v", "0", env=env)
    assert "Added" in _manage("seed_demo", env=env)
    out = _manage("shell", "-c", FILE_A_COMPLAINT, env=env)
    status_line = next(line for line in out.splitlines() if line.startswith("STATUS"))
    _, status, reference, case_reference = status_line.split()
    assert status == "303"
    assert re.fullmatch(r"PTA-\d{4}-\d{6}", reference), reference
    assert re.fullmatch(r"PTA-C-\d{4}-\d{6}", case_reference), case_reference
    # Tasks run in the process here: the picture is re-encoded before the submission returns.
    assert "PICTURE READY evidence" in out, out
