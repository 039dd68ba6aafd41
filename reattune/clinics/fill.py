"""A data migration step: copy each child row's clinic from its parent row.

One `UPDATE … FROM` per table, run by the database (PostgreSQL, and SQLite 3.33 or later), so a
table of millions of sessions is filled in one statement rather than a Python loop over rows.
Only empty clinics are filled, so running it twice changes nothing. Going back is a no-op: the
column itself goes when its AddField is reversed.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def fill_clinic_from_parent(app_label: str, children: list[tuple[str, str]]) -> Any:
    """A RunPython operation filling `clinic_id` for each (model name, parent field), in order
    (a parent that is itself a child comes first)."""

    def forward(apps: Any, schema_editor: Any) -> None:
        quote = schema_editor.quote_name
        for model_name, parent_field in children:
            model = apps.get_model(app_label, model_name)
            link = model._meta.get_field(parent_field)
            parent = link.related_model
            table, parent_table = quote(model._meta.db_table), quote(parent._meta.db_table)
            schema_editor.execute(
                f"UPDATE {table} SET clinic_id = parent.clinic_id "  # noqa: S608 - names only
                f"FROM {parent_table} AS parent "
                f"WHERE parent.{quote(parent._meta.pk.column)} = {table}.{quote(link.column)} "
                f"AND {table}.clinic_id IS NULL"
            )

    return migrations.RunPython(forward, migrations.RunPython.noop)
