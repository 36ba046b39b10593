from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "complaints"
    verbose_name = _("Complaints and cases")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Platform
        from .selectors import platforms_forget

        # The public form keeps the platform list for a few seconds (selectors.platforms_active).
        post_save.connect(platforms_forget, sender=Platform, dispatch_uid="platforms_forget_saved")
        post_delete.connect(platforms_forget, sender=Platform, dispatch_uid="platforms_forget_deleted")
