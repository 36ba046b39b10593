"""Fixtures for the notices tests: a real SMTP server (aiosmtpd), real Celery worker processes, and
private redis-servers for the tests that stop or lose the broker.

Worker processes reach the test database by name, so the tests that use them are transaction=True.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from notices.sms import LocmemBackend

ROOT = Path(__file__).resolve().parent.parent.parent
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def _sms_in_memory(settings: Any) -> Iterator[None]:
    settings.SMS_BACKEND = "notices.sms.LocmemBackend"
    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()


# --- SMTP ----------------------------------------------------------------------------------------


@dataclass
class RecordingHandler:
    """Keeps every message it accepts. ``refuse`` answers 550 to the data, ``refuse_recipient`` to the
    recipient; ``hold`` keeps a client waiting after
    the message is stored, so a test can kill the sender between 'accepted' and 'acknowledged'."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: bool = False
    refuse_recipient: bool = False
    hold: bool = False

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse_recipient:
            # As real servers do: the refusal quotes the address back.
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox of Farah Qureshi +923001234567 unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "550 5.7.1 Refused by test server"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        while self.hold:
            await asyncio.sleep(0.05)
        return "250 2.0.0 OK"

    def by_message_id(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for message in self.messages:
            counts[str(message["Message-ID"])] = counts.get(str(message["Message-ID"]), 0) + 1
        return counts


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


@dataclass
class SmtpServer:
    handler: RecordingHandler
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.handler.messages.clear()
        self.handler.refuse = False
        self.handler.refuse_recipient = False
        self.handler.hold = False


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    # aiosmtpd 1.4's start() connects to its own port to check it is up, which fails for port 0:
    # take a free port from the OS first.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(handler=handler, port=port)
    finally:
        controller.stop()


# --- Redis ---------------------------------------------------------------------------------------


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class PortTaken(Exception):
    """Another process took the port between our check and our redis-server's bind."""


@dataclass
class PrivateRedis:
    """A redis-server of our own on 6391-6398; stopped and started by the test, killed by PID."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Other checkouts on this machine pick from the same ports: the server answering must be ours,
        # or our tasks would go to another run's worker.
        _wait_for(self._ours, timeout=10, what=f"redis-server on {self.port}")

    def _ours(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise PortTaken(self.port)
        try:
            client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
            return int(client.info("server")["process_id"]) == self.process.pid
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture(scope="module")
def private_redis() -> Iterator[PrivateRedis]:
    for port in range(6391, 6399):
        if not _port_free(port):
            continue
        server = PrivateRedis(port=port)
        try:
            server.start()
        except PortTaken:
            server.stop()
            continue
        try:
            yield server
        finally:
            server.stop()
        return
    pytest.fail("no free port in 6391-6398 for a private redis-server")


# --- Celery workers ------------------------------------------------------------------------------


def _wait_for(predicate: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole worker: the main process and its pool children, with no chance to ack."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.unlink(missing_ok=True)


def worker_database_url() -> str:
    """The database pytest-django created, for a worker process to share."""
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'root'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def seconds_until(done: Callable[[], bool], *, since: float, timeout: float = 20) -> float:
    """Poll ``done`` every tenth of a second until it holds or ``timeout`` has passed since ``since``
    (a time.monotonic()); returns the seconds from ``since``."""
    while not done() and time.monotonic() < since + timeout:
        time.sleep(0.1)
    return time.monotonic() - since


def worker_start(*, broker_url: str, email_url: str, env: dict[str, str] | None = None, concurrency: int = 2) -> Worker:
    log = Path(tempfile.mkstemp(prefix="notices-worker-", suffix=".log")[1])
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "regulator_portal.settings.test",
        "TEST_DATABASE_URL": worker_database_url(),
        "TEST_REDIS_URL": broker_url,
        "EMAIL_URL": email_url,
        "SMS_BACKEND": "notices.sms.FileBackend",
        "SMS_FILE_PATH": str(Path(tempfile.gettempdir()) / "notices-test-sms"),
        "NOTICE_MAX_ATTEMPTS": "3",
        "NOTICE_BACKOFF_BASE_SECONDS": "1",
        "NOTICE_BACKOFF_MAX_SECONDS": "1",
        "NOTICE_EMAIL_PER_SECOND": "1000",
        **(env or {}),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "regulator_portal",
                "worker",
                "-Q",
                "notices,default,long",
                "-c",
                str(concurrency),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill() reaches the pool children too
        )
    worker = Worker(process=process, log=log)
    try:
        _wait_for(lambda: "ready." in worker.output() or process.poll() is not None, timeout=30, what="worker ready")
    except AssertionError as timeout:
        output = worker.output()
        worker.stop()
        raise AssertionError(f"{timeout}:\n{output}") from None
    if process.poll() is not None:
        raise AssertionError(f"worker exited:\n{worker.output()}")
    return worker


@pytest.fixture
def wait_for() -> Callable[..., None]:
    return _wait_for


@pytest.fixture
def use_broker() -> Iterator[Callable[[str], None]]:
    """Point this process's Celery publisher at another broker (a private redis) for one test."""
    from regulator_portal.celery import app

    original = app.conf.broker_url

    def switch(url: str) -> None:
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    yield switch
    switch(original)


# --- The admin -----------------------------------------------------------------------------------


@pytest.fixture
def staff_client() -> Callable[[Any], Client]:
    """A client signed in as the user and verified by a TOTP device, as the admin demands."""

    def sign_in(user: Any) -> Client:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="authenticator", defaults={"confirmed": True})
        client = Client()
        client.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[-1])
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return sign_in
