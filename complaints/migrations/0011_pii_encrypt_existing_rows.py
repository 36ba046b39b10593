"""Encrypt the complainant's name, email, narrative, platform notice and evidence file names in rows
written before 0010, when they were stored in clear.

Rows are read and written with SQL, in batches by id, so the historical fields never decrypt or
re-encrypt a value behind our back. A value that the configured keys already open is left alone, so
running this twice (or on rows written after 0010) changes nothing. The reverse writes clear text
back, so that 0010 can be unapplied to the plain columns; it is for a rollback only.
"""

from cryptography.fernet import InvalidToken
from django.db import migrations

BATCH = 1000
COLUMNS = {
    "Complaint": ["full_name", "email", "narrative", "platform_notice_text"],
    "Evidence": ["original_name"],
}


def _is_ciphertext(field, value: str) -> bool:
    try:
        field.f.decrypt(value.encode())
    except InvalidToken:
        return False
    return True


def _encrypt(field, value: str) -> str:
    return value if _is_ciphertext(field, value) else field.get_prep_value(value)


def _decrypt(field, value: str) -> str:
    return field.f.decrypt(value.encode()).decode() if _is_ciphertext(field, value) else value


def _rewrite(apps, schema_editor, convert) -> None:
    quote = schema_editor.connection.ops.quote_name
    for model_name, names in COLUMNS.items():
        model = apps.get_model("complaints", model_name)
        fields = [model._meta.get_field(name) for name in names]
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in fields)
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        last_id = 0
        with schema_editor.connection.cursor() as cursor:
            while True:
                # Table and column names come from the models, never from input.
                cursor.execute(
                    f"SELECT id, {columns} FROM {table} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                    [last_id, BATCH],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                last_id = rows[-1][0]
                updates = []
                for pk, *values in rows:
                    new = [convert(f, v) if v else v for f, v in zip(fields, values)]
                    if new != values:
                        updates.append([*new, pk])
                if updates:
                    cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", updates)  # noqa: S608


def encrypt_existing(apps, schema_editor) -> None:
    _rewrite(apps, schema_editor, _encrypt)


def decrypt_for_rollback(apps, schema_editor) -> None:
    _rewrite(apps, schema_editor, _decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0010_pii_encrypted_columns"),
    ]

    operations = [
        migrations.RunPython(encrypt_existing, decrypt_for_rollback),
    ]
