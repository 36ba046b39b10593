"""Normalising, hashing and masking complainants' identifiers.

CNIC and mobile are stored encrypted; ``pii_hash`` gives the keyed hash stored beside them so an
exact search never has to decrypt a table. The key is PII_HASH_KEY, distinct from the encryption key.
"""

import hashlib
import hmac

from django.conf import settings


def pii_hash(value: str) -> str:
    return hmac.new(settings.PII_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def cnic_digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def cnic_format(digits: str) -> str:
    """13 digits as printed on the card: 5-7-1."""
    return f"{digits[:5]}-{digits[5:12]}-{digits[12:]}" if len(digits) == 13 else digits


def cnic_mask(digits: str) -> str:
    return f"{digits[:5]}-*******-{digits[12:]}" if len(digits) == 13 else "*****"


def mobile_mask(e164: str) -> str:
    # +923001234567 -> +92 300 ****567: enough to recognise, not enough to call.
    if len(e164) == 13 and e164.startswith("+92"):
        return f"+92 {e164[3:6]} ****{e164[10:]}"
    return "****"


def email_mask(email: str) -> str:
    if "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


def name_mask(full_name: str) -> str:
    # "Farah Qureshi" -> "F. Q.": enough to tell two complainants apart in a list, not to name them.
    return " ".join(f"{part[0]}." for part in full_name.split())
