from django.conf import settings
from django.http import HttpRequest


def regulator(request: HttpRequest) -> dict[str, str]:
    return {
        "REGULATOR_NAME": settings.REGULATOR_NAME,
        "REGULATOR_SHORT_NAME": settings.REGULATOR_SHORT_NAME,
    }
