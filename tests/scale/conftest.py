"""The engines the portal scales out on, started for real on loopback (ports 8800-8899).

One session builds them once: a PostgreSQL primary with its streaming standby (pg_basebackup -R),
PgBouncer in transaction mode in front of the primary, moto's S3 server, and two gunicorn instances
under the production settings. The portal runs in subprocesses against them, as it would in
production; these tests drive it over HTTP and through ``manage.py``. Every binary is required:
`make test-scale` installs what is missing, and a missing one fails the test rather than skipping it.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import requests

from tests.intake.test_deploy_check import production_env

BASE_DIR = Path(__file__).resolve().parents[2]
PORT_BASE = int(os.environ.get("SCALE_PORT_BASE", "8800"))
MOTO_PORT = PORT_BASE + 1
PRIMARY_PORT = PORT_BASE + 10
STANDBY_PORT = PORT_BASE + 11
PGBOUNCER_PORT = PORT_BASE + 20
WEB_PORTS = (PORT_BASE + 30, PORT_BASE + 31)
BUCKET = "portal-private"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not found:
        pytest.fail(f"{name} not found under /usr/lib/postgresql/*/bin: run `make test-scale`, which installs it")
    return found[-1]


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL and PgBouncer refuse to run as root: drop to the postgres account when we are root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def run(command: list[str], *, timeout: float = 60, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait_for(check, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # noqa: BLE001 - still starting: keep polling until the deadline
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"{what} did not come up within {timeout} s (last error: {last})")


def psql(port: int, sql: str, *, dbname: str = "portal") -> str:
    return run(
        [pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", dbname, "-XAtqc", sql]
    ).strip()


@dataclass
class Cluster:
    port: int
    data: Path
    log: Path

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/portal"

    def start(self) -> None:
        run(as_postgres([pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "start"]))

    def stop(self) -> None:
        subprocess.run(
            as_postgres([pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            timeout=30,
        )


@pytest.fixture(scope="session")
def scale_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="rp-scale-"))
    path.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    yield path
    if not os.environ.get("SCALE_KEEP"):
        shutil.rmtree(path, ignore_errors=True)


# One set of secrets for every portal process of the session: web hosts and workers must share the
# SECRET_KEY (sessions, CSRF) and the field-encryption keys (each reads what another wrote).
_SECRETS = {
    key: value
    for key, value in production_env().items()
    if key in {"SECRET_KEY", "FIELD_ENCRYPTION_SALTS", "PII_HASH_KEY", "SMS_GATEWAY_TOKEN"}
}


def portal_env(**overrides: str) -> dict[str, str]:
    """Production settings for a portal process, on this machine's loopback services."""
    return production_env(
        **_SECRETS,
        REDIS_URL=REDIS_URL,
        # Nothing here runs a Celery worker: the tests run a task in a `manage.py shell`, as a worker would.
        CELERY_BROKER_URL="memory://",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SMS_BACKEND="notices.sms.FileBackend",
        SMS_FILE_PATH=str(Path(tempfile.gettempdir()) / "rp-scale-sms"),
        **overrides,
    )


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    return run([sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, timeout=timeout)


def portal_python(env: dict[str, str], code: str, *, timeout: float = 60) -> str:
    """Run ``code`` in a Django process with ``env``: what a worker or a shell on a web host would do."""
    return manage(env, "shell", "--no-startup", "-c", code, timeout=timeout)


@pytest.fixture(scope="session")
def primary(scale_dir: Path) -> Iterator[Cluster]:
    """A fresh PostgreSQL cluster with the portal's schema, ready to stream to a standby."""
    cluster = Cluster(PRIMARY_PORT, scale_dir / "primary", scale_dir / "primary.log")
    run(as_postgres([pg_bin("initdb"), "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "--no-sync"]))
    with open(cluster.data / "postgresql.conf", "a") as conf:
        conf.write(
            f"port = {cluster.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{scale_dir}'\n"
            "wal_level = replica\nmax_wal_senders = 4\nfsync = off\nfull_page_writes = off\n"
            "shared_buffers = 32MB\nmax_connections = 60\n"
        )
    cluster.start()
    try:
        psql(cluster.port, "CREATE DATABASE portal", dbname="postgres")
        manage(portal_env(DATABASE_URL=cluster.url), "migrate", "--no-input", "-v", "0", timeout=180)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def standby(primary: Cluster, scale_dir: Path) -> Iterator[Cluster]:
    """A hot standby streaming from the primary, made as an operator would: pg_basebackup -R."""
    cluster = Cluster(STANDBY_PORT, scale_dir / "standby", scale_dir / "standby.log")
    run(
        as_postgres(
            [pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"]
            + ["-D", str(cluster.data), "-R", "-X", "stream", "-c", "fast", "--no-sync"]
        )
    )
    with open(cluster.data / "postgresql.auto.conf", "a") as conf:
        conf.write(f"port = {cluster.port}\nhot_standby = on\n")
    cluster.start()
    try:
        wait_for(lambda: psql(cluster.port, "SELECT pg_is_in_recovery()") == "t", timeout=30, what="the standby")
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pgbouncer(primary: Cluster, scale_dir: Path) -> Iterator[str]:
    """Debian's PgBouncer in transaction mode in front of the primary; yields the portal's URL through it."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not os.path.exists(binary):
        pytest.fail("pgbouncer is not installed: run `make test-scale`, which installs Debian's package")
    (scale_dir / "userlist.txt").write_text('"postgres" ""\n')
    config = scale_dir / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"portal = host=127.0.0.1 port={primary.port} dbname=portal user=postgres\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {PGBOUNCER_PORT}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {scale_dir / 'userlist.txt'}\nadmin_users = postgres\n"
        "pool_mode = transaction\ndefault_pool_size = 8\nmax_client_conn = 200\n"
        f"logfile = {scale_dir / 'pgbouncer.log'}\n"
    )
    for path in (config, scale_dir / "userlist.txt"):
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")
    # Its own session, so that stopping it stops pgbouncer too and not only runuser.
    process = subprocess.Popen(
        as_postgres([binary, str(config)]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_for(lambda: psql(PGBOUNCER_PORT, "SELECT 1") == "1", timeout=15, what=f"pgbouncer ({process.poll()=})")
        yield f"postgres://postgres@127.0.0.1:{PGBOUNCER_PORT}/portal"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def pgbouncer_show(what: str) -> list[dict[str, str]]:
    """A SHOW command on PgBouncer's admin console, as rows of named columns."""
    out = run(
        [pg_bin("psql"), "-h", "127.0.0.1", "-p", str(PGBOUNCER_PORT), "-U", "postgres", "-d", "pgbouncer"]
        + ["-XAF", "\t", "-c", f"SHOW {what}"]
    )
    lines = [line for line in out.splitlines() if line and not line.startswith("(")]
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:]]


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's standalone S3 API server on a private port; yields its endpoint URL."""
    endpoint = f"http://127.0.0.1:{MOTO_PORT}"
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(MOTO_PORT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: requests.get(f"{endpoint}/moto-api/", timeout=1).ok, timeout=30, what="moto's server")
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def s3_env(endpoint: str) -> dict[str, str]:
    """django-storages' own variable names, as an operator would set them."""
    return {
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "portal-test-key",
        "AWS_SECRET_ACCESS_KEY": "portal-test-secret",
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
    }


def s3_client(endpoint: str):
    import boto3

    env = s3_env(endpoint)
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=env["AWS_S3_REGION_NAME"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


@pytest.fixture(scope="session")
def bucket(moto_server: str) -> str:
    client = s3_client(moto_server)
    client.create_bucket(Bucket=BUCKET)
    client.put_public_access_block(
        Bucket=BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    return BUCKET


@pytest.fixture(scope="session")
def web_env(
    primary: Cluster, standby: Cluster, pgbouncer: str, moto_server: str, bucket: str, scale_dir: Path
) -> dict[str, str]:
    """Every web host and worker: PgBouncer in front of the primary, the standby for reports, the bucket."""
    return portal_env(
        DATABASE_URL=pgbouncer,
        DATABASE_POOLER="pgbouncer",
        DATABASE_REPLICA_URL=standby.url,
        DATABASE_REPLICA_POOLER="",
        # Low enough for a test to reach it; every export a job, so its file goes to the bucket.
        COMPLAINT_FLOOD_RATE_PER_IP="4/h",
        EXPORT_STREAM_MAX_ROWS="0",
        STATIC_ROOT=str(scale_dir / "static"),
        **s3_env(moto_server),
    )


@dataclass
class Web:
    url: str
    process: subprocess.Popen


@pytest.fixture(scope="session")
def webs(web_env: dict[str, str], scale_dir: Path) -> Iterator[list[Web]]:
    """Two gunicorn instances, as on two web hosts behind a load balancer."""
    started: list[Web] = []
    manage({**web_env, "DJANGO_SETTINGS_MODULE": "tests.scale.collectstatic_settings"}, "collectstatic", "--no-input")
    try:
        for port in WEB_PORTS:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "regulator_portal.wsgi", "-b", f"127.0.0.1:{port}"]
                + ["-w", "2", "--timeout", "30", "--graceful-timeout", "2"],
                cwd=BASE_DIR,
                env=web_env,
                stdout=subprocess.DEVNULL,
                stderr=open(scale_dir / f"gunicorn-{port}.log", "w"),  # noqa: SIM115 - lives as long as gunicorn
            )
            started.append(Web(f"http://127.0.0.1:{port}", process))
        for web in started:
            wait_for(
                lambda web=web: requests.get(f"{web.url}/en/complaints/new/", timeout=5).status_code == 200,
                timeout=45,
                what=f"gunicorn at {web.url} (exit code {web.process.poll()}, log {scale_dir})",
            )
        yield started
    finally:
        for web in started:
            web.process.terminate()
        for web in started:
            try:
                web.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                web.process.kill()


@dataclass
class Seed:
    platform_id: int
    staff: list[tuple[str, str]]  # (username, TOTP key): one each, as a code is accepted only once
    password: str = "scale-admin-password-1"


@pytest.fixture(scope="session")
def seed(web_env: dict[str, str]) -> Seed:
    """A platform to complain about and superusers with authenticators, written through PgBouncer."""
    out = portal_python(
        web_env,
        "from django.contrib.auth.models import User\n"
        "from django_otp.plugins.otp_totp.models import TOTPDevice\n"
        "from tests.factories import platform_get\n"
        "print('SEED', platform_get('x').pk)\n"
        "for i in range(4):\n"
        "    user = User.objects.create_superuser(f'scale-admin-{i}', 'scale@pta.example', 'scale-admin-password-1')\n"
        "    print(user.username, TOTPDevice.objects.create(user=user, name='phone', confirmed=True).key)\n",
    )
    platform_id, *staff = out.split("SEED")[-1].split()
    return Seed(int(platform_id), [(staff[i], staff[i + 1]) for i in range(0, len(staff), 2)])


class Browser:
    """A browser's cookie jar kept by hand: production cookies are Secure, and the tests speak plain
    HTTP to gunicorn as a load balancer that ends TLS would."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(method, url, headers=headers, allow_redirects=False, timeout=30, **kwargs)
        for header in response.raw.headers.getlist("Set-Cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def csrf_token(self, url: str) -> str:
        page = self.get(url)
        assert page.status_code == 200, page.status_code
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, "no CSRF token on " + url
        return match.group(1)

    def staff_login(self, web_url: str, seed: Seed, who: int) -> None:
        from django_otp.oath import totp

        username, key = seed.staff[who]
        token = self.csrf_token(f"{web_url}/admin/login/")
        code = f"{totp(bytes.fromhex(key)):06d}"
        response = self.post(
            f"{web_url}/admin/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": seed.password,
                "otp_token": code,
                "next": "/admin/",
            },
        )
        assert response.status_code == 302, response.text[:2000]


def complaint_post(browser: Browser, web_url: str, seed: Seed, *, handle: str, files=None) -> requests.Response:
    """The public form, filled in and sent as a citizen's browser would."""
    from tests.intake.conftest import form_data

    token = browser.csrf_token(f"{web_url}/en/complaints/new/")
    data = form_data(_PlatformRef(seed.platform_id), account_handle=handle)
    data["csrfmiddlewaretoken"] = token
    return browser.post(f"{web_url}/en/complaints/new/", data=data, files=files)


@dataclass
class _PlatformRef:
    pk: int
