"""Every encrypted column in the database, read and rewritten as raw sealed text.

Counting keys and re-sealing under a new one work below the ORM, on the stored tokens: a value
is opened and sealed again without the model code ever seeing it, in batches of rows, each batch
its own short transaction, and each row rewritten only if it still holds the token that was read
(so a clinician saving the same note meanwhile wins, and nothing is lost).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from reattune.vault.crypto import PREFIX, VaultError, key_id_of, seal, unseal
from reattune.vault.fields import EncryptedTextField, place_of
from reattune.vault.keys import KeyRing

BATCH_SIZE = 500
NOT_ENCRYPTED = "not encrypted"


@dataclass(frozen=True)
class Column:
    label: str  # app.Model.field, for people
    table: str
    column: str
    pk: str

    @property
    def place(self) -> str:
        return place_of(self.table, self.column)


def encrypted_columns() -> list[Column]:
    """Walks every installed model, so a newly encrypted field is rotated without a list to
    keep up to date."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for f in meta.concrete_fields:
            if isinstance(f, EncryptedTextField):
                found.append(
                    Column(
                        label=f"{meta.app_label}.{meta.object_name}.{f.name}",
                        table=meta.db_table,
                        column=f.column,
                        pk=meta.pk.column,  # type: ignore[union-attr]
                    )
                )
    return found


def stored_values(
    column: Column,
    *,
    not_under: str = "",
    batch_size: int = BATCH_SIZE,
    using: BaseDatabaseWrapper | None = None,
) -> Iterator[list[tuple[object, str]]]:
    """(pk, stored text) for every non-empty value, a batch at a time in key order; with
    `not_under`, only values not sealed under that key id."""
    db = using or connection
    quote = db.ops.quote_name
    table, col, pk = quote(column.table), quote(column.column), quote(column.pk)
    condition = f"{col} IS NOT NULL AND {col} <> ''"
    params: list[Any] = []
    if not_under:
        condition += f" AND {col} NOT LIKE %s"
        params.append(f"{PREFIX}{not_under}:%")
    after: Any = None
    while True:
        where, args = condition, list(params)
        if after is not None:
            where += f" AND {pk} > %s"
            args.append(after)
        sql = f"SELECT {pk}, {col} FROM {table} WHERE {where} ORDER BY {pk} LIMIT %s"  # noqa: S608
        with db.cursor() as cursor:
            cursor.execute(sql, [*args, batch_size])
            rows = [(row[0], str(row[1])) for row in cursor.fetchall()]
        if not rows:
            return
        yield rows
        if len(rows) < batch_size:
            return
        after = rows[-1][0]


def replace_value(
    column: Column,
    pk: Any,
    old: str,
    new: str,
    *,
    using: BaseDatabaseWrapper | None = None,
) -> bool:
    """Write `new` where the row still holds `old`; False if it changed meanwhile."""
    db = using or connection
    quote = db.ops.quote_name
    sql = (
        f"UPDATE {quote(column.table)} SET {quote(column.column)} = %s "  # noqa: S608
        f"WHERE {quote(column.pk)} = %s AND {quote(column.column)} = %s"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [new, pk, old])
        return bool(cursor.rowcount == 1)


def key_counts(column: Column) -> Counter[str]:
    """How many values each key id holds in this column (NOT_ENCRYPTED for plain text)."""
    counts: Counter[str] = Counter()
    for batch in stored_values(column):
        counts.update(key_id_of(text) or NOT_ENCRYPTED for _, text in batch)
    return counts


@dataclass
class ColumnResult:
    resealed: int = 0
    changed_meanwhile: int = 0
    failed: list[tuple[object, str]] = field(default_factory=list)  # (pk, why)


def column_reseal(
    column: Column, *, ring: KeyRing, batch_size: int = BATCH_SIZE, dry_run: bool = False
) -> ColumnResult:
    """Seal every value of the column that is not under the ring's primary key again under
    it. Safe to stop at any point and run again: done rows are skipped by the query."""
    result = ColumnResult()
    for batch in stored_values(column, not_under=ring.primary_id, batch_size=batch_size):
        resealed: list[tuple[object, str, str]] = []
        for pk, token in batch:
            try:
                plain = unseal(token, column.place, ring)
            except VaultError as error:
                result.failed.append((pk, str(error)))
                continue
            resealed.append((pk, token, seal(plain, column.place, ring)))
        if dry_run:
            result.resealed += len(resealed)
            continue
        with transaction.atomic():
            for pk, old, new in resealed:
                if replace_value(column, pk, old, new):
                    result.resealed += 1
                else:
                    result.changed_meanwhile += 1
    return result
