"""Every tenant-owned row carries its clinic, even where a parent row already names it.

A session, a participant, an agenda item or a goal note belongs to its clinic through its parent
(case, meeting, goal). The clinic is copied onto the child as well so that each table can be
filtered, indexed, partitioned and distributed by clinic on its own, without a join; see
docs/scale.md. A database check cannot compare a row with its parent's, so the model does it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models

if TYPE_CHECKING:
    # For the type checker the mixin is a model, so a subclass is still seen as one.
    _Base = models.Model
else:
    _Base = object

CLINIC_MISMATCH = "{model} {pk} would belong to clinic {own}, but its {parent} belongs to {theirs}."


class ClinicFromParent(_Base):
    """A mixin for models whose clinic is their parent's (`clinic_parent` names the foreign key).

    On save, an empty clinic is taken from the parent, and a clinic that differs from the parent's
    is refused. `bulk_create` skips `save()`: callers set `clinic` themselves there (a missing one
    fails the NOT NULL constraint rather than passing silently)."""

    clinic_parent: ClassVar[str]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.check_clinic_matches_parent()
        super().save(*args, **kwargs)

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        # Before validation, so a row built without its clinic is not refused for lacking one.
        self.check_clinic_matches_parent()
        super().full_clean(*args, **kwargs)

    def check_clinic_matches_parent(self) -> None:
        row: Any = self
        field = row._meta.get_field(self.clinic_parent)
        if getattr(row, field.attname) is None:
            return  # no parent yet: validation or the database says so
        if row.clinic_id is not None and not field.is_cached(row):
            # Only an id to compare with: not worth a query on every update of a loaded row.
            return
        parent = getattr(row, self.clinic_parent)
        if row.clinic_id is None:
            row.clinic_id = parent.clinic_id
        elif row.clinic_id != parent.clinic_id:
            raise ValueError(
                CLINIC_MISMATCH.format(
                    model=type(row).__name__,
                    pk=row.pk or "(new)",
                    own=row.clinic_id,
                    parent=self.clinic_parent,
                    theirs=parent.clinic_id,
                )
            )


def own_clinic_id(user: Any) -> int:
    """The person's clinic id; 0, which no clinic has, for anyone without one (anonymous, or an
    installation superuser), so their queries match nothing.

    Each `for_user()` filters on it as well as on the cases the person may open: the answer is
    the same, and the table's own clinic column lets the clinic-led indexes (and, on a
    distributed database, a single shard) serve the query."""
    return getattr(user, "clinic_id", None) or 0
