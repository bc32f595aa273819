"""Writing output files whole or not at all."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` (``str`` as UTF-8, newlines untouched) to ``path`` atomically and return the path.

    The bytes go to a new temporary file in the same directory (``.<name>.<random>.tmp``, created with the mode a
    plain ``open()`` would give), are fsynced, and the temporary file is renamed over ``path`` with
    :func:`os.replace`. On any exception (including KeyboardInterrupt) the temporary file is removed and the
    exception propagates: ``path`` then still holds its previous content, or does not exist. Errors are the usual
    ``OSError`` subclasses (``FileNotFoundError`` for a missing directory, ``IsADirectoryError``, ...).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    elif not isinstance(data, bytes):
        raise TypeError(f"write_atomic needs bytes or str, not {type(data).__name__}")
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(target))
    fd, temp = _create_temp(target)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    _fsync_directory(target.parent)
    return target


def _create_temp(target: Path) -> tuple[int, str]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        temp = str(target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable where the platform allows it (POSIX); best effort."""
    try:
        dfd = os.open(str(directory), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
