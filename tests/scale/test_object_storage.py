"""Private files in S3-compatible object storage (moto's server): encrypted, never public, and still
leaving only through the permission-checked views, which stream them."""

from __future__ import annotations

import requests

from tests.intake.conftest import png_bytes

from .conftest import Browser, complaint_post, portal_python, s3_client


def assert_private_and_encrypted(endpoint: str, bucket: str, key: str) -> None:
    client = s3_client(endpoint)
    head = client.head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == "AES256"
    grants = client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")], grants
    # What anyone who learnt the object's address would get: no signature, no file.
    anonymous = requests.get(f"{endpoint}/{bucket}/{key}", timeout=10)
    assert anonymous.status_code == 403, anonymous.status_code
    assert b"\x89PNG" not in anonymous.content


def test_evidence_is_stored_encrypted_and_private_and_staff_download_it_through_the_view(
    webs, seed, web_env, moto_server, bucket
):
    citizen = Browser()
    png = png_bytes((50, 40))
    sent = complaint_post(
        citizen, webs[0].url, seed, handle="@bucketvoice", files={"evidence": ("my screenshot.png", png, "image/png")}
    )
    assert sent.status_code == 303, sent.text[:2000]

    latest = (
        "from complaints.models import Evidence\n"
        "e = Evidence.objects.latest('pk')\n"
        "print('EVIDENCE', e.pk, e.file.name, type(e.file.storage).__name__, e.state)\n"
    )
    evidence_id, received, storage, state = portal_python(web_env, latest).split("EVIDENCE")[-1].split()
    assert (storage, state) == ("PrivateS3Storage", "PENDING")
    # The bytes as received, until a worker re-encodes them: as private and encrypted as the rest.
    assert received.startswith("quarantine/")
    assert_private_and_encrypted(moto_server, bucket, received)
    # The hourly sweep walks quarantine/ in the bucket too, and leaves a file its PENDING row points at.
    swept = portal_python(
        web_env,
        "from datetime import timedelta\nfrom django.utils import timezone\n"
        "from complaints.services import evidence_quarantine_sweep\n"
        "print('SWEPT', evidence_quarantine_sweep(now=timezone.now() + timedelta(days=1)))\n",
    )
    assert swept.split("SWEPT")[-1].split() == ["0"], swept
    assert received in [o["Key"] for o in s3_client(moto_server).list_objects_v2(Bucket=bucket)["Contents"]]

    portal_python(web_env, "from complaints.services import evidences_clean_pending\nevidences_clean_pending()\n")
    _, key, _, state = portal_python(web_env, latest).split("EVIDENCE")[-1].split()
    assert state == "READY"
    objects = s3_client(moto_server).list_objects_v2(Bucket=bucket)
    keys = [o["Key"] for o in objects.get("Contents", [])]
    assert key.startswith("evidence/") and key in keys and received not in keys
    assert_private_and_encrypted(moto_server, bucket, key)

    # The other web host serves it, to a signed-in caseworker, from the bucket through the view.
    staff = Browser()
    staff.staff_login(webs[1].url, seed, 0)
    download = staff.get(f"{webs[1].url}/staff/evidence/{evidence_id}/")
    assert download.status_code == 200, download.status_code
    assert "Location" not in download.headers
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.content.startswith(b"\x89PNG")
    assert download.content == s3_client(moto_server).get_object(Bucket=bucket, Key=key)["Body"].read()
    # A visitor without a session is sent to the login, not to the file.
    assert Browser().get(f"{webs[1].url}/staff/evidence/{evidence_id}/").status_code == 302


def test_an_export_file_and_a_reply_attachment_land_in_the_bucket_and_no_private_file_has_a_url(
    webs, seed, web_env, moto_server, bucket
):
    assert complaint_post(Browser(), webs[1].url, seed, handle="@exportvoice").status_code == 303
    out = portal_python(
        web_env,
        "from complaints.models import Complaint\nc = Complaint.objects.latest('pk')\n"
        "print('ROW', c.pk, c.reference)\n",
    )
    complaint_id, reference = out.split("ROW")[-1].split()

    staff = Browser()
    staff.staff_login(webs[0].url, seed, 1)
    changelist = f"{webs[0].url}/admin/complaints/complaint/"
    asked = staff.post(
        changelist,
        data={
            "csrfmiddlewaretoken": staff.csrf_token(changelist),
            "action": "reports_export_all_csv",
            "_selected_action": [complaint_id],
        },
    )
    assert asked.status_code == 302, asked.text[:2000]

    # What the worker on the `long` queue does with the job.
    out = portal_python(
        web_env,
        "from django.core.files.base import ContentFile\n"
        "from django.urls import reverse\n"
        "from notices.models import ReplyAttachment\n"
        "from reports.models import ExportJob\n"
        "from reports.tasks import export_job_run_task\n"
        "job = ExportJob.objects.using('default').latest('pk')\n"
        "status = export_job_run_task.run(job.pk)\n"
        "job.refresh_from_db()\n"
        "storage = ReplyAttachment._meta.get_field('file').storage\n"
        "reply = storage.save('replies/scale-reply', ContentFile(b'%PDF-1.4 the platform reply'))\n"
        "refused = []\n"
        "for s, name in ((job.file.storage, job.file.name), (storage, reply)):\n"
        "    try:\n"
        "        s.url(name)\n"
        "    except ValueError:\n"
        "        refused.append(name)\n"
        "print('JOB', status, job.file.name, reply, len(refused),"
        " reverse('admin:reports_exportjob_download', args=[job.pk]))\n",
    )
    status, export_key, reply_key, refused, download_path = out.split("JOB")[-1].split()
    assert status == "DONE"
    assert int(refused) == 2  # neither storage hands out an address, signed or not
    for key in (export_key, reply_key):
        assert_private_and_encrypted(moto_server, bucket, key)

    # The owner downloads the export from the other web host; it streams from the bucket.
    download = staff.get(f"{webs[1].url}{download_path}")
    assert download.status_code == 200, download.status_code
    assert reference in download.text
