"""Where every secret of a run comes from: cookies, nonces and DH exponents.

The simulator passes a :class:`SeedStream`, so the same scenario and seed give byte-identical datagrams. A live run
passes :class:`SystemRandom`. The core only ever calls ``read(n)``.
"""

from __future__ import annotations

import hashlib
import os
from typing import Protocol


class Secrets(Protocol):
    def read(self, n: int) -> bytes: ...


class SeedStream:
    """A deterministic byte stream: SHA-256 in counter mode over (seed, label). Not for real-world keys."""

    def __init__(self, seed: int, label: str):
        self._key = hashlib.sha256(f"ikesim/v1/{seed}/{label}".encode()).digest()
        self._counter = 0

    def read(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            out += hashlib.sha256(self._key + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
        return bytes(out[:n])


class SystemRandom:
    """The operating system's CSPRNG, for live mode."""

    def read(self, n: int) -> bytes:
        return os.urandom(n)


def cookie(secrets: Secrets) -> bytes:
    """An 8-byte ISAKMP cookie, never all zero (RFC 2408 section 3.1)."""
    while True:
        value = secrets.read(8)
        if any(value):
            return value
