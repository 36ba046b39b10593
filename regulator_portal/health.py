"""``/healthz``: "ok" or "unavailable" for anyone; which dependency failed only for internal callers.

Which database or broker is down tells an attacker when and where to push, so a public caller sees
one word. Internal callers are monitoring on an address in HEALTHZ_INTERNAL_IPS that reaches the
app directly (a request relayed by the reverse proxy is a public one, whatever address it comes
from), or anything that presents HEALTHZ_TOKEN as a bearer token.
"""

import hmac
import ipaddress

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_status() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:
        return "unavailable"


def _has_token(request: HttpRequest) -> bool:
    expected = settings.HEALTHZ_TOKEN
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), expected.encode())


def _from_internal_address(request: HttpRequest) -> bool:
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in settings.HEALTHZ_INTERNAL_IPS)


def is_internal(request: HttpRequest) -> bool:
    return _has_token(request) or _from_internal_address(request)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    database = "ok" if _database_ok() else "unavailable"
    broker = _broker_status()
    status = "ok" if database == "ok" and broker != "unavailable" else "unavailable"
    code = 200 if status == "ok" else 503
    if is_internal(request):
        return JsonResponse({"status": status, "database": database, "broker": broker}, status=code)
    return HttpResponse(status, status=code, content_type="text/plain; charset=utf-8")
