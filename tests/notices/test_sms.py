"""The SMS backends: the HTTP gateway against a real local http.server, and the file backend."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from notices import services
from notices.models import Notice
from notices.sms import FileBackend, HttpGatewayBackend, SmsError, SmsMessage
from tests.factories import complaint_create


class Gateway(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.requests.append({"headers": dict(self.headers), "json": json.loads(body)})
        answer = json.dumps({"id": f"gw-{len(Gateway.requests)}"}).encode()
        self.send_response(Gateway.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(settings) -> Iterator[type[Gateway]]:
    Gateway.requests = []
    Gateway.status = 200
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "notices.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_GATEWAY_TOKEN = "gateway-token-from-the-environment"
    yield Gateway
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_an_sms_notice_is_posted_to_the_gateway_as_json_with_the_token(gateway):
    complaint = complaint_create(email="", preferred_language="ur")
    notice = Notice.objects.get(complaint=complaint)
    assert services.notice_send(notice_id=notice.pk).status == "SENT"
    [request] = gateway.requests
    assert request["headers"]["Authorization"] == "Bearer gateway-token-from-the-environment"
    assert request["json"]["to"] == complaint.mobile and complaint.reference in request["json"]["text"]
    assert request["json"]["message_id"] == services.notice_message_id(idempotency_key=notice.idempotency_key).strip(
        "<>"
    )
    notice.refresh_from_db()
    assert notice.provider_message_id == "gw-1"


@pytest.mark.django_db
def test_a_gateway_error_is_recorded_and_retried(gateway):
    gateway.status = 503
    notice = Notice.objects.get(complaint=complaint_create(email=""))
    result = services.notice_send(notice_id=notice.pk)
    notice.refresh_from_db()
    assert result.status == "FAILED" and notice.status == "FAILED" and "503" in notice.last_error


def test_the_gateway_backend_refuses_to_run_without_its_token(settings):
    settings.SMS_GATEWAY_URL = "https://sms.example/send"
    settings.SMS_GATEWAY_TOKEN = ""
    with pytest.raises(SmsError):
        HttpGatewayBackend()


def test_the_file_backend_writes_one_file_per_message(settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path)
    FileBackend().send(SmsMessage(to="+923001234567", body="آپ کی شکایت", message_id="abc@pta.example"))
    [written] = list(tmp_path.iterdir())
    assert "+923001234567" in written.read_text() and "آپ کی شکایت" in written.read_text()
