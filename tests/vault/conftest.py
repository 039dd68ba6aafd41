from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reattune.vault.keys import KeyList, reset_ring
from tests.vault.helpers import key_file_with


@pytest.fixture
def key_file(tmp_path: Path, settings) -> Iterator[Path]:
    """A key file of the test's own with one key, k1, as the installation's key ring."""
    path = tmp_path / "encryption-keys"
    keys: KeyList = key_file_with(path, "k1")
    settings.ENCRYPTION_KEY_FILE = str(path)
    settings.ENCRYPTION_KEYS = keys
    reset_ring()
    yield path
    reset_ring()
