"""Encrypted model fields for complainants' details and every other secret at rest
(django-fernet-encrypted-fields), with two corrections to the library.

- Its clean() sets a flag on the field object, which every model instance and every thread shares,
  for the duration of validation, and clears it only when validation passes. While it is set, every
  read of that field in the process returns ciphertext; after one refused value it stays set. That
  is per-request state on a shared object. A value being cleaned is plaintext from a form, and the
  library's to_python leaves a value it cannot decrypt as it is, so the flag is not needed at all.
- It stores a blank value as NULL, so a blank optional field (no email, no platform notice) would
  need a nullable column and come back as None, where the code and the templates expect "". These
  keep a blank value as "" (an empty string encrypts nothing worth hiding) and encrypt the rest.
"""

from typing import Any

from encrypted_fields import fields


class _StatelessClean:
    def clean(self, value: Any, model_instance: Any) -> Any:
        # The Django field's own clean, past the library's flag-setting one.
        return super(fields.EncryptedFieldMixin, self).clean(value, model_instance)  # type: ignore[misc]


class _BlankStaysEmpty:
    def get_prep_value(self, value: Any) -> Any:
        return super().get_prep_value(value) or ""  # type: ignore[misc]


class EncryptedCharField(_StatelessClean, _BlankStaysEmpty, fields.EncryptedCharField):
    pass


class EncryptedTextField(_StatelessClean, _BlankStaysEmpty, fields.EncryptedTextField):
    pass


class EncryptedEmailField(_StatelessClean, _BlankStaysEmpty, fields.EncryptedEmailField):
    pass


class EncryptedJSONField(_StatelessClean, fields.EncryptedJSONField):
    pass
