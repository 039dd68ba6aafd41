"""The key ring: which keys seal free text at rest, and which one seals new text.

Keys are never Django's SECRET_KEY. They come from REATTUNE_ENCRYPTION_KEYS, or, when that is
unset, from a key file (REATTUNE_KEY_FILE, by default `<data dir>/encryption-keys`) that is made
on first start, readable by its owner only. Either way the format is the same: entries of
`id:key`, the key 32 random bytes in base64url, the first entry the primary (it seals new text),
the others kept only to read what they sealed.

This module is imported by reattune/settings.py, so it imports nothing from Django at the top.
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from reattune.lib.env import SettingError

log = logging.getLogger(__name__)

ENV_KEYS = "REATTUNE_ENCRYPTION_KEYS"
ENV_KEY_FILE = "REATTUNE_KEY_FILE"
KEY_FILE_NAME = "encryption-keys"
KEY_BYTES = 32  # AES-256
KEY_ID = re.compile(r"^[a-z0-9]{1,16}$")
# How often a running process looks at the key file for a rotated key.
RELOAD_SECONDS = 1.0

KeyList = tuple[tuple[str, bytes], ...]

NO_KEYS = (
    "{where} holds no keys: it needs at least one id:key entry (`reattune keys new` makes one)"
)
BAD_ENTRY = (
    "{where}, entry {n}: write each key as id:key, for example k1:<44 characters> "
    "(`reattune keys new` makes one)"
)
BAD_ID = "{where}, entry {n}: a key id is 1 to 16 lower-case letters or digits"
BAD_KEY = (
    "{where}, entry {n} ({key_id}): the key must be 32 random bytes in base64url "
    "(`reattune keys new` makes one)"
)
DUPLICATE_ID = "{where}: the key id {key_id} appears twice"
FILE_UNREADABLE = "{where}: the key file {path} cannot be read ({reason})"

FILE_HEADER = (
    "# Reattune's encryption keys (docs/encryption.md). The first key seals new text; the\n"
    "# others only open what they sealed. Back this file up, but never beside the database\n"
    "# backups: a backup with its key next to it is not protected by it.\n"
)


@dataclass(frozen=True)
class KeyRing:
    """Keys by id, in order: the first is the primary."""

    keys: KeyList

    @property
    def primary_id(self) -> str:
        return self.keys[0][0]

    @property
    def primary(self) -> bytes:
        return self.keys[0][1]

    @property
    def ids(self) -> list[str]:
        return [key_id for key_id, _ in self.keys]

    @functools.cached_property
    def by_id(self) -> dict[str, bytes]:
        return dict(self.keys)

    def get(self, key_id: str) -> bytes | None:
        return self.by_id.get(key_id)


def new_key_id(taken: list[str]) -> str:
    """A short random id: a lost key file replaced by a new one never reuses an old id, so
    text under the lost key says "key not here" rather than "tampered"."""
    while (key_id := secrets.token_hex(3)) in taken:
        pass  # pragma: no cover - one in sixteen million
    return key_id


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def key_text(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii").rstrip("=")


def entry_text(key_id: str, key: bytes) -> str:
    return f"{key_id}:{key_text(key)}"


def parse_keys(text: str, *, where: str) -> KeyList:
    """Entries separated by commas or new lines; `#` starts a comment. Raises SettingError
    naming `where` (the variable) and never quoting key material."""
    entries = [
        item.strip()
        for line in text.splitlines()
        for item in line.split("#", 1)[0].split(",")
        if item.strip()
    ]
    if not entries:
        raise SettingError(NO_KEYS.format(where=where))
    keys: list[tuple[str, bytes]] = []
    for n, entry in enumerate(entries, start=1):
        key_id, sep, encoded = entry.partition(":")
        if not sep:
            raise SettingError(BAD_ENTRY.format(where=where, n=n))
        key_id = key_id.strip()
        if not KEY_ID.match(key_id):
            raise SettingError(BAD_ID.format(where=where, n=n))
        key = _decode_key(encoded.strip())
        if key is None:
            raise SettingError(BAD_KEY.format(where=where, n=n, key_id=key_id))
        if key_id in dict(keys):
            raise SettingError(DUPLICATE_ID.format(where=where, key_id=key_id))
        keys.append((key_id, key))
    return tuple(keys)


def _decode_key(encoded: str) -> bytes | None:
    try:
        key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == KEY_BYTES else None


def file_where(path: Path) -> str:
    return f"{ENV_KEY_FILE} ({path})"


def read_key_file(path: Path) -> KeyList:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise SettingError(
            FILE_UNREADABLE.format(where=ENV_KEY_FILE, path=path, reason=reason)
        ) from None
    return parse_keys(text, where=file_where(path))


def write_key_file(path: Path, keys: KeyList, *, only_if_missing: bool = False) -> None:
    """Replace the key file in one step (a reader sees the old file or the new, never half),
    readable by its owner only from the moment it exists. With `only_if_missing`, a file that
    another process made meanwhile wins: two first starts never end with different keys."""
    body = FILE_HEADER + "".join(f"{entry_text(k, v)}\n" for k, v in keys)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        if only_if_missing:
            _link_unless_present(temporary, path)
        else:
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _link_unless_present(temporary: Path, path: Path) -> None:
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links: a narrower window, but still one
        if not path.exists():
            os.replace(temporary, path)


def keys_from_environment(data_dir: Path) -> tuple[KeyList, str]:
    """The keys and, when they come from a file, its path ("" for the variable). Called from
    settings, so that bad key material stops start-up."""
    from_env = os.environ.get(ENV_KEYS, "")
    if from_env.strip():
        return parse_keys(from_env, where=ENV_KEYS), ""
    path = Path(os.environ.get(ENV_KEY_FILE, "") or data_dir / KEY_FILE_NAME)
    if not path.exists():
        write_key_file(path, ((new_key_id([]), new_key()),), only_if_missing=True)
    return read_key_file(path), str(path)


# The running process's ring. Built from settings, then, for a key file, re-read when the file
# changes, so that `reattune keys rotate` reaches a server that is already running.
_lock = threading.Lock()
_ring: KeyRing | None = None
_file_path = ""
_file_stamp: tuple[int, int] | None = None
_checked_at = 0.0


def current_ring() -> KeyRing:
    ring = _ring
    # The hot path (every value read or written): no lock, no file system.
    if ring is not None and (not _file_path or time.monotonic() - _checked_at < RELOAD_SECONDS):
        return ring
    return _current_ring_slow()


def _current_ring_slow() -> KeyRing:
    global _ring, _checked_at, _file_path
    from django.conf import settings

    with _lock:
        if _ring is None:
            # With a key file, the file is the truth (settings hold its start-up reading).
            _file_path = settings.ENCRYPTION_KEY_FILE
            if _file_path:
                _reload_from_file(_file_path)
            if _ring is None:
                _ring = KeyRing(tuple(settings.ENCRYPTION_KEYS))
        elif (
            _file_path
            and time.monotonic() - _checked_at >= RELOAD_SECONDS
            and _file_stamp != _stamp(_file_path)
        ):
            _reload_from_file(_file_path)
        _checked_at = time.monotonic()
        return _ring


def reload_ring() -> KeyRing:
    """Re-read the key file now (a value under a key this process has not seen yet)."""
    global _file_path
    from django.conf import settings

    with _lock:
        _file_path = settings.ENCRYPTION_KEY_FILE
        if _file_path:
            _reload_from_file(_file_path)
    return current_ring()


def reset_ring(**_: object) -> None:
    """Forget the ring (settings changed, or the key file was rewritten by this process)."""
    global _ring, _file_stamp, _file_path
    with _lock:
        _ring = None
        _file_stamp = None
        _file_path = ""


def _reload_from_file(path: str) -> None:
    global _ring
    try:
        keys = read_key_file(Path(path))
    except SettingError as error:
        # A running server keeps the keys it has rather than stopping mid-request.
        log.error("Kept the encryption keys already loaded: %s", error)
        return
    _ring = KeyRing(keys)
    _remember_file_stamp(path)


def _remember_file_stamp(path: str) -> None:
    global _file_stamp
    _file_stamp = _stamp(path) if path else None


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_ino)
