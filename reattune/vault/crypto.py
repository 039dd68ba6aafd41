"""Sealing and opening one value: AES-256-GCM with a random 96-bit nonce, bound to its place.

A sealed value is text, `enc1:<key id>:<base64url(nonce + ciphertext + tag)>`. The associated
data names the version, the key id and the place (table and column), so a value copied into
another column, or relabelled with another key id, fails its check instead of opening.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reattune.vault.keys import KEY_ID, KeyRing

VERSION = "enc1"
PREFIX = f"{VERSION}:"
NONCE_BYTES = 12
TAG_BYTES = 16

TAMPERED = (
    "The encrypted text in {place} failed its integrity check: it was changed outside "
    "Reattune, or copied there from somewhere else. Reattune will not show it."
)
NOT_SEALED = (
    "The text in {place} should be encrypted but is not: it was written outside Reattune. "
    "Reattune will not show it."
)
UNKNOWN_KEY = (
    "The encrypted text in {place} was sealed with key {key_id}, which this installation does "
    "not have. Restore that key from its backup (see docs/encryption.md)."
)


class VaultError(Exception):
    """A stored value cannot be opened. The message names the place, never the data."""


class TamperedCiphertext(VaultError):
    """The value was altered, moved from another column, or is not a sealed value at all."""


class UnknownKey(VaultError):
    """The value was sealed with a key that is not in the key ring."""

    def __init__(self, message: str, key_id: str) -> None:
        super().__init__(message)
        self.key_id = key_id


@functools.lru_cache(maxsize=16)
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


def _associated_data(key_id: str, place: str) -> bytes:
    return f"{VERSION}:{key_id}:{place}".encode()


def seal(plaintext: str, place: str, ring: KeyRing) -> str:
    """Encrypt under the ring's primary key. `place` is "table.column"."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = _aead(ring.primary).encrypt(
        nonce, plaintext.encode("utf-8"), _associated_data(ring.primary_id, place)
    )
    return f"{PREFIX}{ring.primary_id}:{_encode(nonce + sealed)}"


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def key_id_of(token: str) -> str | None:
    """The key id a stored value names, or None if it is not a sealed value."""
    if not token.startswith(PREFIX):
        return None
    key_id, sep, _ = token[len(PREFIX) :].partition(":")
    return key_id if sep and KEY_ID.match(key_id) else None


def unseal(token: str, place: str, ring: KeyRing) -> str:
    """Decrypt a value sealed by `seal` for the same place. Raises TamperedCiphertext or
    UnknownKey; never returns anything for a value that fails its check."""
    key_id, sep, _ = token[len(PREFIX) :].partition(":")
    key = ring.get(key_id) if sep and token.startswith(PREFIX) else None
    if key is None:
        if key_id_of(token) is None:
            raise TamperedCiphertext(NOT_SEALED.format(place=place))
        raise UnknownKey(UNKNOWN_KEY.format(place=place, key_id=key_id), key_id)
    return _opened(token, place, key_id, key)


# The same stored value opens to the same text, so a page read again costs a dictionary look-up.
# Keyed by the key itself too: a ring without that key never reaches here. Failures are not kept.
@functools.lru_cache(maxsize=4096)
def _opened(token: str, place: str, key_id: str, key: bytes) -> str:
    encoded = token[len(PREFIX) + len(key_id) + 1 :]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raise TamperedCiphertext(TAMPERED.format(place=place)) from None
    # Only the one canonical spelling opens: a changed last character whose spare bits the
    # decoder would ignore still counts as a change.
    if len(raw) < NONCE_BYTES + TAG_BYTES or _encode(raw) != encoded:
        raise TamperedCiphertext(TAMPERED.format(place=place))
    try:
        plain = _aead(key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(key_id, place)
        )
    except InvalidTag:
        raise TamperedCiphertext(TAMPERED.format(place=place)) from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:  # pragma: no cover - authenticated, so only a key mix-up
        raise TamperedCiphertext(TAMPERED.format(place=place)) from None


def is_sealed_for(token: str, place: str, ring: KeyRing) -> bool:
    try:
        unseal(token, place, ring)
    except VaultError:
        return False
    return True
