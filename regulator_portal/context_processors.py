from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop

# The default regulator's name, marked so the Urdu catalogue carries it; a name set in the
# environment without a catalogue entry is shown as given.
gettext_noop("Pakistan Telecommunication Authority")


def regulator_name() -> str:
    return gettext(settings.REGULATOR_NAME)


def regulator(request: HttpRequest) -> dict[str, str]:
    return {
        "REGULATOR_NAME": regulator_name(),
        "REGULATOR_SHORT_NAME": settings.REGULATOR_SHORT_NAME,
    }
