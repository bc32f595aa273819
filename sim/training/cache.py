"""A per-user cache of generated text (signatures, the cheat sheet), keyed by a fingerprint of the code that made it.

Entries live in ``$XDG_CACHE_HOME/ikesim`` (default ``~/.cache/ikesim``) as ``<name>-<fingerprint><suffix>``;
a change to any fingerprinted file gives a new key, so a stale entry is never read. Writes go through a temporary
file and a rename; a cache that cannot be written (read-only home) only costs the recomputation next time.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable, Iterable


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ikesim"


def fingerprint(files: Iterable[Path]) -> str:
    """A hash of the names and bytes of ``files`` (in the order given)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_text(name: str, key: str, compute: Callable[[], str], suffix: str = ".txt") -> str:
    """The cached text for (``name``, ``key``), or ``compute()`` now, cached for the next process."""
    path = cache_dir() / f"{name}-{key}{suffix}"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    text = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass
    return text
