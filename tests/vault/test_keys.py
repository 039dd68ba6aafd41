"""Requirement 16: the keys come from REATTUNE_ENCRYPTION_KEYS or a key file, never from
SECRET_KEY; bad key material stops start-up with the variable's name (and never echoes the
key); the key file is made on first start, readable by its owner only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from reattune.lib.env import SettingError
from reattune.vault.keys import (
    ENV_KEY_FILE,
    ENV_KEYS,
    KEY_FILE_NAME,
    entry_text,
    keys_from_environment,
    new_key,
    parse_keys,
    write_key_file,
)

GOOD = entry_text("k1", b"\x07" * 32)
LEAKY = "k1:SecretMaterialThatMustNotBeEchoed"


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter, as `reattune serve` does first."""
    clean = {k: v for k, v in os.environ.items() if k not in (ENV_KEYS, ENV_KEY_FILE)}
    return subprocess.run(
        [sys.executable, "-c", "import reattune.settings"],
        env=clean | {"REATTUNE_DATA_DIR": str(tmp_path)} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_bad_key_material_in_the_variable_stops_start_up_naming_it(tmp_path: Path) -> None:
    """Requirement 16: the error names REATTUNE_ENCRYPTION_KEYS and does not print the key."""
    started = _start(tmp_path, **{ENV_KEYS: LEAKY})
    assert started.returncode != 0
    assert "SettingError" in started.stderr and ENV_KEYS in started.stderr
    assert "SecretMaterial" not in started.stderr


def test_a_bad_key_file_stops_start_up_naming_the_variable_and_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "keys"
    bad.write_text("k1:not-a-key\n")
    started = _start(tmp_path, **{ENV_KEY_FILE: str(bad)})
    assert started.returncode != 0
    assert ENV_KEY_FILE in started.stderr and str(bad) in started.stderr


def test_good_keys_start(tmp_path: Path) -> None:
    assert _start(tmp_path, **{ENV_KEYS: GOOD}).returncode == 0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "holds no keys"),
        ("# only a comment", "holds no keys"),
        ("justakey", "write each key as id:key"),
        (f"K1:{GOOD[3:]}", "lower-case letters or digits"),
        ("k1:" + "A" * 20, "32 random bytes"),
        ("k1:" + "!" * 43, "32 random bytes"),
        (f"{GOOD},{GOOD}", "appears twice"),
    ],
)
def test_each_kind_of_bad_entry_is_named(text: str, says: str) -> None:
    with pytest.raises(SettingError, match=says) as error:
        parse_keys(text, where=ENV_KEYS)
    assert str(error.value).startswith(ENV_KEYS)


def test_entries_may_be_separated_by_commas_or_lines_and_the_first_is_primary() -> None:
    second = entry_text("k2", new_key())
    assert [k for k, _ in parse_keys(f"{second}, {GOOD}", where=ENV_KEYS)] == ["k2", "k1"]
    text = f"# keys\n{GOOD}  # the first\n\n{second}\n"
    assert [k for k, _ in parse_keys(text, where=ENV_KEYS)] == ["k1", "k2"]


def test_the_key_file_is_made_on_first_start_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_KEYS, raising=False)
    monkeypatch.delenv(ENV_KEY_FILE, raising=False)
    keys, path = keys_from_environment(tmp_path)
    assert path == str(tmp_path / KEY_FILE_NAME)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(keys) == 1 and len(keys[0][1]) == 32
    # The second start reads the same key back.
    assert keys_from_environment(tmp_path) == (keys, path)


def test_the_variable_wins_over_the_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_key_file(tmp_path / KEY_FILE_NAME, (("k9", new_key()),))
    monkeypatch.setenv(ENV_KEYS, GOOD)
    keys, path = keys_from_environment(tmp_path)
    assert [k for k, _ in keys] == ["k1"] and path == ""


def test_the_keys_are_not_derived_from_the_secret_key(settings) -> None:
    """Requirement 16: no key on the ring is, or contains, Django's SECRET_KEY."""
    secret = settings.SECRET_KEY.encode()
    for _, key in settings.ENCRYPTION_KEYS:
        assert key != secret[:32] and key not in secret
