from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.durability.owndb import OwnDatabase, database_like, template_database


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnDatabase]:
    with template_database(tmp_path_factory.mktemp("durability")) as template:
        yield template


@pytest.fixture
def own_database(migrated_template: OwnDatabase, tmp_path: Path) -> Iterator[OwnDatabase]:
    """A migrated database of this test's own, of the kind the suite runs on."""
    with database_like(migrated_template, tmp_path) as database:
        yield database
