"""Model fields whose text is sealed in the database and plain in Python.

`EncryptedTextField` is a TextField: saving seals the text (reattune.vault.crypto), loading opens
it. An empty string stays empty, so `blank` and "has text" constraints keep working; a
`max_length` is kept for forms and validation only (the sealed text is longer). The database
cannot search, compare or order what it cannot read, so the only lookups are `isnull` and an
exact match with the empty string; anything else is refused with ENCRYPTED_NOT_SEARCHABLE rather
than silently finding nothing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django import forms
from django.core.exceptions import FieldError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Combinable, Expression
from django.db.models.lookups import Exact

from reattune.vault.crypto import TamperedCiphertext, UnknownKey, seal, unseal
from reattune.vault.keys import current_ring, reload_ring

ENCRYPTED_NOT_SEARCHABLE = (
    "{field} is encrypted in the database, so it cannot be searched, compared or ordered "
    "there; only an empty value can be looked for."
)
UNBOUND = "An encrypted field must belong to a model before it can seal anything."
EMPTIED = "The encrypted data in {place} has been emptied outside Reattune."


def place_of(table: str, column: str) -> str:
    """What a sealed value is bound to: copied anywhere else, it fails its check."""
    return f"{table}.{column}"


def open_value(token: str, place: str) -> str:
    try:
        return unseal(token, place, current_ring())
    except UnknownKey:
        # Perhaps `reattune keys rotate` added a key since this process last looked.
        return unseal(token, place, reload_ring())


_ST = TypeVar("_ST")
_GT = TypeVar("_GT")

if TYPE_CHECKING:
    _TextField = models.TextField
else:
    # Generic at run time too, so that the type checker's view (TextField[set, get]) holds.
    class _TextField(models.TextField, Generic[_ST, _GT]):
        pass


class EncryptedTextField(_TextField[_ST, _GT]):
    description = "Text, encrypted in the database"
    if TYPE_CHECKING:
        _pyi_private_set_type: str | Combinable
        _pyi_private_get_type: str

    @property
    def place(self) -> str:
        model = getattr(self, "model", None)
        if model is None:
            raise FieldError(UNBOUND)
        return place_of(model._meta.db_table, self.column)

    def to_text(self, value: Any) -> str:
        return str(value)

    def from_text(self, text: str) -> Any:
        return text

    def get_prep_value(self, value: Any) -> Any:
        value = models.Field.get_prep_value(self, value)
        if value is None or value == "":
            return value
        return seal(self.to_text(value), self.place, current_ring())

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> Any:
        if value is None:
            return None
        if value == "":
            return self.empty_from_db()
        return self.from_text(open_value(value, self.place))

    def empty_from_db(self) -> Any:
        return ""

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in ("exact", "isnull"):
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, name: str) -> Any:
        return None


class EncryptedJSONField(EncryptedTextField[_ST, _GT]):
    """JSON, sealed as one value: a client's answers, a plan's steps."""

    description = "JSON, encrypted in the database"
    if TYPE_CHECKING:
        _pyi_private_set_type: Any
        _pyi_private_get_type: Any

    def to_python(self, value: Any) -> Any:
        return value

    def to_text(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    def from_text(self, text: str) -> Any:
        return json.loads(text)

    def get_prep_value(self, value: Any) -> Any:
        value = models.Field.get_prep_value(self, value)
        if value is None:
            return None
        return seal(self.to_text(value), self.place, current_ring())

    def empty_from_db(self) -> Any:
        # Sealed JSON is never empty: an empty column was emptied outside Reattune.
        raise TamperedCiphertext(EMPTIED.format(place=self.place))

    def value_to_string(self, obj: models.Model) -> Any:
        return self.value_from_object(obj)

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        return models.Field.formfield(self, **{"form_class": forms.JSONField, **kwargs})


@EncryptedTextField.register_lookup
class EncryptedExact(Exact):  # type: ignore[type-arg]
    """`field=""` still works (empty text is stored empty); any other value would be sealed
    with a fresh nonce and could never match, so it is refused instead."""

    lookup_name = "exact"

    def get_prep_lookup(self) -> Any:
        if not hasattr(self.rhs, "resolve_expression") and self.rhs not in ("", None):
            raise FieldError(ENCRYPTED_NOT_SEARCHABLE.format(field=self.lhs.output_field.name))
        return super().get_prep_lookup()
