"""Re-encrypt every encrypted column under the current primary key, after a key rotation.

django-fernet-encrypted-fields decrypts with every (SECRET_KEY or fallback) x FIELD_ENCRYPTION_SALTS
pair but encrypts with the first pair only. A rotation is therefore: put the new salt first (or move
the old SECRET_KEY to SECRET_KEY_FALLBACKS), deploy, run this command, then drop the old value.
``--check`` only counts rows not yet under the primary key, so the old value is dropped only at zero.

The library returns the *ciphertext* as the value when no key decrypts it, and saving that would
encrypt the ciphertext. A row that no configured key opens is therefore reported and never written.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction
from django.db.models.functions import Cast
from encrypted_fields.fields import EncryptedFieldMixin


class Command(BaseCommand):
    help = "Re-encrypt PII columns under the current primary key (after rotating FIELD_ENCRYPTION_SALTS/SECRET_KEY)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Only count rows not under the primary key.")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, check: bool, batch_size: int, **options: Any) -> None:
        stale_total = unreadable_total = 0
        for model, fields in encrypted_fields_by_model():
            primary = Fernet(fields[0].keys[0])
            known = MultiFernet([Fernet(key) for key in fields[0].keys])
            stale = unreadable = 0
            last_pk: Any = None
            while True:
                rows = model._default_manager.order_by("pk")
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                # Cast to text reads the ciphertext as stored, without the field decrypting it.
                raw = {f"raw_{f.attname}": Cast(f.attname, models.TextField()) for f in fields}
                batch = list(rows.annotate(**raw).values("pk", *raw)[:batch_size])
                if not batch:
                    break
                last_pk = batch[-1]["pk"]
                lost = [row["pk"] for row in batch if not all(_under(known, row[k]) for k in raw)]
                unreadable += len(lost)
                stale_pks = [
                    row["pk"]
                    for row in batch
                    if row["pk"] not in lost and not all(_under(primary, row[k]) for k in raw)
                ]
                stale += len(stale_pks)
                if stale_pks and not check:
                    self._reencrypt(model, fields, stale_pks)
            stale_total += stale
            unreadable_total += unreadable
            verb = "not under the primary key" if check else "re-encrypted"
            self.stdout.write(f"{model._meta.label}: {stale} rows {verb}, {unreadable} unreadable with any key")
        if unreadable_total:
            raise CommandError(
                f"{unreadable_total} rows cannot be decrypted with any configured key: restore the old "
                "SECRET_KEY or salt before going on"
            )
        if check and stale_total:
            raise CommandError(f"{stale_total} rows still need pii_reencrypt")

    def _reencrypt(self, model: type[models.Model], fields: list[models.Field], pks: list[Any]) -> None:
        # Reading decrypts with any known key; bulk_update writes back with the first one. Row locks
        # keep a concurrent edit from being overwritten with the value we read.
        with transaction.atomic():
            objs = list(
                model._default_manager.select_for_update().filter(pk__in=pks).only("pk", *[f.attname for f in fields])
            )
            model._default_manager.bulk_update(objs, [f.name for f in fields])


def _under(fernet: Fernet | MultiFernet, token: str | None) -> bool:
    if not token:
        return True
    try:
        fernet.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def encrypted_fields_by_model() -> list[tuple[type[models.Model], list[Any]]]:
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]
        if fields:
            found.append((model, fields))
    return found
