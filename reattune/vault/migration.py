"""The data step of a migration that turns plain text columns into encrypted ones.

Use after the AlterField to EncryptedTextField (or EncryptedJSONField):

    encrypt_existing("repairs", ["RepairVersion.what_happened", ...])

Forward seals every stored value that is not already sealed for its column; backward opens them
again, so the AlterField back to a plain field finds plain text (and, for JSON, valid JSON).
Both work on the raw column, below the field, which cannot read the other form.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import migrations

from reattune.vault.columns import Column, replace_value, stored_values
from reattune.vault.crypto import is_sealed_for, key_id_of, seal, unseal
from reattune.vault.keys import current_ring


def encrypt_existing(app_label: str, fields: list[str]) -> migrations.RunPython:
    return migrations.RunPython(
        partial(_seal_all, app_label, fields), partial(_open_all, app_label, fields)
    )


def _columns(app_label: str, fields: list[str], apps: Any) -> list[Column]:
    found = []
    for spec in fields:
        model_name, field_name = spec.split(".")
        meta = apps.get_model(app_label, model_name)._meta
        found.append(
            Column(
                label=f"{app_label}.{spec}",
                table=meta.db_table,
                column=meta.get_field(field_name).column,
                pk=meta.pk.column,
            )
        )
    return found


def _seal_all(app_label: str, fields: list[str], apps: Any, schema_editor: Any) -> None:
    ring, db = current_ring(), schema_editor.connection
    for column in _columns(app_label, fields, apps):
        for batch in stored_values(column, using=db):
            for pk, text in batch:
                if not is_sealed_for(text, column.place, ring):
                    replace_value(column, pk, text, seal(text, column.place, ring), using=db)


def _open_all(app_label: str, fields: list[str], apps: Any, schema_editor: Any) -> None:
    ring, db = current_ring(), schema_editor.connection
    for column in _columns(app_label, fields, apps):
        for batch in stored_values(column, using=db):
            for pk, text in batch:
                if key_id_of(text) is not None:
                    replace_value(column, pk, text, unseal(text, column.place, ring), using=db)
