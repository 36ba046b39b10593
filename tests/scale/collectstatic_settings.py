"""Production settings for `collectstatic` in the scale tests only: the same hashed names and manifest
(staticfiles.json) that production's WhiteNoise storage reads, without compressing every file,
which costs minutes on a busy test machine and changes nothing the tests look at."""

from regulator_portal.settings.production import *  # noqa: F403
from regulator_portal.settings.production import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
