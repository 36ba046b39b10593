"""The portal's own settings: the regulator, its periodic work (beat), the outbox and letters, advance
notices, reports, deadlines, the platform API and exports. Each is read from the environment; base.py
includes this module."""

from datetime import date

from celery.schedules import crontab

from .environment import VAR_DIR, env, env_bool

# The regulator is a setting, not code: the PTA today, a new social media authority tomorrow.
REGULATOR_NAME = env.str("REGULATOR_NAME", default="Pakistan Telecommunication Authority")
REGULATOR_SHORT_NAME = env.str("REGULATOR_SHORT_NAME", default="PTA")
REFERENCE_PREFIX = env.str("REFERENCE_PREFIX", default="PTA")
REGULATOR_EMAIL = env.str("REGULATOR_EMAIL", default="complaints@pta.example")

# --- Periodic work (exactly one beat runs it; docs/deploy.md) -------------------------------------
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Notices: re-publish what the broker lost, reclaim what a dead worker held (docs/notices.md).
    "notices-sweep": {"task": "notices.tasks.notice_sweep_task", "schedule": 60.0},
    "notices-remind-overdue-letters": {"task": "notices.tasks.letter_remind_overdue_task", "schedule": 60.0 * 60},
    # Advance notices: warn before the response deadline, escalate at it, mark LAPSED after it.
    "advance-notices-deadlines": {"task": "notices.tasks.advance_notice_deadlines_task", "schedule": 5.0 * 60},
    # Platform API: drop idempotent answers and request-log rows past their retention (docs/api.md).
    "api-records-purge": {"task": "api.tasks.api_records_purge_task", "schedule": 24 * 60.0 * 60},
    # Cases: flag overdue steps and tell the supervisors (docs/cases.md).
    "cases-escalate-overdue": {
        "task": "complaints.tasks.cases_escalate_overdue_task",
        "schedule": 60.0 * env.int("CASE_ESCALATION_INTERVAL_MINUTES", default=15),
    },
    # Cases: assign new cases whose assignment task was lost (broker down at submission; docs/intake.md).
    "cases-autoassign-sweep": {"task": "complaints.tasks.cases_autoassign_sweep_task", "schedule": 30.0},
    # Evidence: re-encode pictures whose task was lost (complaints.services.evidence).
    "evidence-clean-sweep": {"task": "complaints.tasks.evidence_clean_task", "schedule": 30.0},
    "evidence-quarantine-sweep": {"task": "complaints.tasks.evidence_quarantine_sweep_task", "schedule": 60.0 * 60},
    # Reports: publish export jobs whose first publish was lost; delete files past their expiry (docs/reports.md).
    "reports-exports-sweep": {"task": "reports.tasks.export_jobs_sweep_task", "schedule": 60.0},
    "reports-exports-expire": {"task": "reports.tasks.exports_expire_task", "schedule": 60.0 * 15},
    # Reports: the dashboard's daily summary, and last month's report (docs/reports.md).
    "reports-summary-refresh": {"task": "reports.tasks.summary_refresh_task", "schedule": 60.0 * 10},
    "reports-monthly": {"task": "reports.tasks.monthly_report_task", "schedule": crontab(hour=7, minute=0)},
}

# --- Notices (the outbox, SMS, letters; docs/notices.md) -----------------------------------------
# A notice that keeps failing is retried with exponential backoff (base * 2**(attempt-1), capped),
# then marked DEAD for a supervisor to retry from the admin.
NOTICE_MAX_ATTEMPTS = env.int("NOTICE_MAX_ATTEMPTS", default=6)
NOTICE_BACKOFF_BASE_SECONDS = env.int("NOTICE_BACKOFF_BASE_SECONDS", default=30)
NOTICE_BACKOFF_MAX_SECONDS = env.int("NOTICE_BACKOFF_MAX_SECONDS", default=60 * 60)
# A row in SENDING for longer than this belongs to a worker that died: the sweeper takes it back.
# Keep it well above EMAIL_TIMEOUT and SMS_TIMEOUT, or a slow send would be reclaimed while running.
NOTICE_SENDING_TIMEOUT_SECONDS = env.int("NOTICE_SENDING_TIMEOUT_SECONDS", default=5 * 60)
# A QUEUED row is re-published by the sweeper once it has waited this long (its first publish was
# lost, e.g. Redis was down at commit time). Re-publishing a message that is merely waiting in a long
# queue costs one extra, harmless task: the claim makes the second run a no-op.
NOTICE_REPUBLISH_AFTER_SECONDS = env.int("NOTICE_REPUBLISH_AFTER_SECONDS", default=2 * 60)
# A citizen's acknowledgement is sent this long after the first submission that publishes the batch;
# the ones a web process queues meanwhile go with it (one task per process and interval, not per notice).
NOTICE_ACK_BATCH_SECONDS = env.float("NOTICE_ACK_BATCH_SECONDS", default=0.5)
# Sends per second per channel, across all workers (a fixed one-second window counted in the cache).
NOTICE_RATE_LIMITS = {
    "EMAIL": env.int("NOTICE_EMAIL_PER_SECOND", default=50),
    "SMS": env.int("NOTICE_SMS_PER_SECOND", default=10),
    "WEBHOOK": env.int("NOTICE_WEBHOOK_PER_SECOND", default=20),
}
# Also email a citizen who gave an address an SMS? Off by default: one message per event, on the
# channel the citizen chose by giving an address; see docs/notices.md.
NOTICE_SMS_ALSO_WHEN_EMAIL = env_bool("NOTICE_SMS_ALSO_WHEN_EMAIL", False)
SMS_BACKEND = env.str("SMS_BACKEND", default="notices.sms.FileBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms"))
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_SENDER_ID = env.str("SMS_SENDER_ID", default=REGULATOR_SHORT_NAME)
# Where citizens reach the public site: the tracking link in every SMS. Required in production.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
SMS_TIMEOUT = env.int("SMS_TIMEOUT", default=10)
# Letters to platforms: the law quoted (a letter's own field, editable until approval), and who signs
# them from which office. Each is a setting because each has changed before (domain.md).
LETTER_LEGAL_BASIS = env.str(
    "LETTER_LEGAL_BASIS",
    default="section 37 of the Prevention of Electronic Crimes Act 2016 and the Removal and Blocking of "
    "Unlawful Online Content Rules 2021",
)
LETTER_SIGNATORY = env.str("LETTER_SIGNATORY", default="Director, Complaints and Enforcement")
LETTER_OFFICE = env.str("LETTER_OFFICE", default="Headquarters, F-5/1, Islamabad")

# --- Advance notices (docs/advance-notices.md) ---------------------------------------------------
# Hours the regulator has to answer a platform's advance notice, by platform slug ("default" for the
# rest), and in an emergency; the 2021 Rules give 48 and 12. Never later than the proposed effective date.
ADVANCE_NOTICE_RESPONSE_HOURS = {
    "default": env.int("ADVANCE_NOTICE_RESPONSE_HOURS", default=48),
    **env.dict("ADVANCE_NOTICE_RESPONSE_HOURS_BY_PLATFORM", cast={"value": int}, default={}),
}
ADVANCE_NOTICE_EMERGENCY_HOURS = env.int("ADVANCE_NOTICE_EMERGENCY_HOURS", default=12)
# The assignee and the supervisors are warned this long before the deadline.
ADVANCE_NOTICE_WARN_HOURS = env.int("ADVANCE_NOTICE_WARN_HOURS", default=6)
# When each platform agreed to give advance notice, by slug ("default" for the rest), as YYYY-MM-DD.
# Blank means no agreement: the scorecard then shows no "suspensions without any notice" for it.
# A malformed date stops the start-up rather than silently dropping the figure.
ADVANCE_NOTICE_AGREEMENT_START: dict[str, date | None] = {
    slug: date.fromisoformat(value) if value.strip() else None
    for slug, value in {
        "default": env.str("ADVANCE_NOTICE_AGREEMENT_START", default=""),
        **env.dict("ADVANCE_NOTICE_AGREEMENT_START_BY_PLATFORM", default={}),
    }.items()
}
# Pushes to platforms' webhooks: the HTTP timeout, and a CA bundle to trust instead of the system's
# (tests use it for their self-signed receiver; production normally leaves it empty).
WEBHOOK_TIMEOUT = env.int("WEBHOOK_TIMEOUT", default=10)
WEBHOOK_CA_BUNDLE = env.str("WEBHOOK_CA_BUNDLE", default="")

# --- Reports (the dashboard, the scorecard, the statistics; docs/reports.md) ----------------------
REPORTS_MONTHLY_RECIPIENTS = env.list("REPORTS_MONTHLY_RECIPIENTS", default=[])
# Public counts from 1 to this minus one are shown as "<5" (and whatever would reveal them).
REPORTS_SUPPRESS_BELOW = env.int("REPORTS_SUPPRESS_BELOW", default=5)
REPORTS_PUBLIC_MONTHS = env.int("REPORTS_PUBLIC_MONTHS", default=24)
REPORTS_PUBLIC_CACHE_SECONDS = env.int("REPORTS_PUBLIC_CACHE_SECONDS", default=30 * 60)
# Beat rebuilds this many recent days of the daily summary every ten minutes.
REPORTS_SUMMARY_REFRESH_DAYS = env.int("REPORTS_SUMMARY_REFRESH_DAYS", default=3)
# The dashboard's figures are cached this long per filter; as long as the summary may lag anyway.
REPORTS_DASHBOARD_CACHE_SECONDS = env.int("REPORTS_DASHBOARD_CACHE_SECONDS", default=10 * 60)


# --- Deadlines ---------------------------------------------------------------------------------
# Working days per case status before a case is overdue; emergencies use the second table. Pakistan's
# rules have changed these often, so none is hard-coded.
SLA_WORKING_DAYS = env.dict(
    "SLA_WORKING_DAYS",
    cast={"value": int},
    default={"NEW": 2, "IN_REVIEW": 5, "REFERRED_TO_PLATFORM": 1, "PLATFORM_RESPONDED": 3, "ESCALATED": 2},
)
SLA_EMERGENCY_WORKING_DAYS = env.dict(
    "SLA_EMERGENCY_WORKING_DAYS",
    cast={"value": int},
    default={"NEW": 1, "IN_REVIEW": 1, "REFERRED_TO_PLATFORM": 1, "PLATFORM_RESPONDED": 1, "ESCALATED": 1},
)
# Saturday and Sunday are the weekend in Pakistan since 2022. Weekday numbers: Monday is 0.
WEEKEND_DAYS = env.list("WEEKEND_DAYS", cast=int, default=[5, 6])
PUBLIC_HOLIDAYS = env.list(
    "PUBLIC_HOLIDAYS",
    default=["2026-02-05", "2026-03-23", "2026-05-01", "2026-08-14", "2026-11-09", "2026-12-25"],
)
# New cases go to a caseworker in the platform's team (StaffProfile.platforms) before generalists.
CASE_ASSIGN_BY_PLATFORM_TEAM = env_bool("CASE_ASSIGN_BY_PLATFORM_TEAM", True)
PLATFORM_RESPONSE_HOURS_DEFAULT = env.int("PLATFORM_RESPONSE_HOURS_DEFAULT", default=72)

# --- Platform API (docs/api.md) ------------------------------------------------------------------
# Requests per token, counted in the shared cache (DRF's rate syntax: "600/min", "20000/day").
API_RATE_PER_TOKEN = env.str("API_RATE_PER_TOKEN", default="600/min")
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
# A retry after this many days is a new request; the request log is kept this long for audits.
API_IDEMPOTENCY_RETENTION_DAYS = env.int("API_IDEMPOTENCY_RETENTION_DAYS", default=30)
API_REQUEST_LOG_RETENTION_DAYS = env.int("API_REQUEST_LOG_RETENTION_DAYS", default=365)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    # Only the API's own token authentication (set on its views); never a password or a session.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{REGULATOR_SHORT_NAME} platform API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Exports (docs/reports.md) -------------------------------------------------------------------
# Up to this many rows an export streams straight to the browser; above it, it runs as a job on the
# `long` queue and the file waits in the private storage until it expires.
EXPORT_STREAM_MAX_ROWS = env.int("EXPORT_STREAM_MAX_ROWS", default=10_000)
EXPORT_EXPIRY_HOURS = env.int("EXPORT_EXPIRY_HOURS", default=24)
# Rows fetched per round trip from the server-side cursor, and how often a job records its progress.
EXPORT_CHUNK_ROWS = env.int("EXPORT_CHUNK_ROWS", default=5_000)
# A job still QUEUED this long after it was asked for lost its publish (Redis was down): beat publishes it again.
EXPORT_REPUBLISH_AFTER_SECONDS = env.int("EXPORT_REPUBLISH_AFTER_SECONDS", default=2 * 60)
# Who a scheduled export (manage.py report_export) is logged as: an inactive account that cannot sign in.
EXPORT_SYSTEM_USERNAME = env.str("EXPORT_SYSTEM_USERNAME", default="system")
