from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notices"
    verbose_name = _("Notices and platform correspondence")

    def ready(self) -> None:
        from complaints.timeline import labels_register

        from . import receivers  # noqa: F401 - connects the signal receivers
        from .models import LetterType, NoticeKind, Reply

        # The case timeline names these codes (complaints never imports notices): their labels, not the codes.
        labels_register("notice_kind", NoticeKind.choices)
        labels_register("letter_type", LetterType.choices)
        labels_register("reply_kind", Reply.Kind.choices)
