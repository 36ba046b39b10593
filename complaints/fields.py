"""Encrypted model fields for complainants' details (django-fernet-encrypted-fields).

The library stores a blank value as NULL, so a blank optional field (no email, no platform notice)
would need a nullable column and come back as None, where the code and the templates expect "".
These keep a blank value as "" (an empty string encrypts nothing worth hiding) and encrypt the rest.
"""

from typing import Any

from encrypted_fields import fields


class _BlankStaysEmpty:
    def get_prep_value(self, value: Any) -> Any:
        return super().get_prep_value(value) or ""  # type: ignore[misc]


class EncryptedCharField(_BlankStaysEmpty, fields.EncryptedCharField):
    pass


class EncryptedTextField(_BlankStaysEmpty, fields.EncryptedTextField):
    pass


class EncryptedEmailField(_BlankStaysEmpty, fields.EncryptedEmailField):
    pass
