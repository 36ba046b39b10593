from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Exports, the analysts' dashboard, the platform scorecard and the public statistics.

    It reads complaints and notices through their selectors and writes only its own rows.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from notices.services import ATTACHMENT_PROVIDERS

        from .services import MONTHLY_REPORT_KIND, monthly_report_attachments

        ATTACHMENT_PROVIDERS[MONTHLY_REPORT_KIND] = monthly_report_attachments
