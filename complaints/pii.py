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


# Masks show too little to narrow a search. The search box matches a CNIC or mobile exactly, so a
# mask that left six of ten mobile digits would leave 10^4 guesses to recover the number; two
# digits (one for a CNIC) leave far too many, and the search itself is permission-checked, logged
# and rate-limited (docs/security/admin.md).


def cnic_mask(digits: str) -> str:
    return f"*****-*******-{digits[12:]}" if len(digits) == 13 else "*****-*******-*"


def mobile_mask(e164: str) -> str:
    # +923001234567 -> +92 *** *****67: enough to tell two numbers apart on a call, not to call one.
    if len(e164) == 13 and e164.startswith("+92"):
        return f"+92 *** *****{e164[11:]}"
    return "+92 *** *******"


def email_mask(email: str) -> str:
    # The domain can be as telling as the name (a party's or a newspaper's), so only the TLD stays.
    if "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
    return f"{local[:1]}***@***.{tld}" if tld else f"{local[:1]}***@***"


def name_mask(full_name: str) -> str:
    # "Farah Qureshi" -> "F. ***": the first initial alone, never the family name.
    parts = full_name.split()
    return f"{parts[0][0]}. ***" if parts else "***"
