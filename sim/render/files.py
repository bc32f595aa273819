"""Writing output files whole or not at all, several at once all or none, and never over a read-only file.

Rules (README, "Reliability"):

* A file is written to a temporary file next to it (``.<name>.<pid>.<random>.tmp``), fsynced, and renamed over
  the target: the target holds its old content or the new one, never a part.
* :func:`write_all_atomic` writes every temporary file first and renames them only when all were written: a
  failure while writing leaves none of the targets changed.
* An existing file without write permission is refused (as ``cp`` does without ``-f``), also for root; a file
  that is replaced keeps its permission bits.
* A missing directory is refused, never created (:func:`target_problem` says so before anything is rendered).
* Temporary files of ours that a killed process left behind (its pid is gone, or older than
  :data:`STALE_AFTER` seconds) are removed from a directory the next time a file is written into it.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Iterable

__all__ = ["write_atomic", "write_all_atomic", "target_problem", "clean_stale_temps", "STALE_AFTER"]

#: a temporary file of ours older than this (seconds) is stale even if its pid seems alive (pids are reused)
STALE_AFTER = 3600.0
#: ``.<name>.<pid>.<8 hex>.tmp``; the older ``.<name>.<8 hex>.tmp`` (no pid) is cleaned by age only
_TEMP = re.compile(r"\.(?P<name>.+)\.(?P<pid>[0-9]{1,10})\.[0-9a-f]{8}\.tmp")
_OLD_TEMP = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{8}\.tmp")


def write_atomic(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` (``str`` as UTF-8, newlines untouched) to ``path`` atomically and return the path.

    The bytes go to a new temporary file in the same directory (created with the mode a plain ``open()`` would
    give, or the replaced file's permission bits), are fsynced, and the temporary file is renamed over ``path``
    with :func:`os.replace`. On any exception (including KeyboardInterrupt) the temporary file is removed and the
    exception propagates: ``path`` then still holds its previous content, or does not exist. Errors are the usual
    ``OSError`` subclasses (``FileNotFoundError`` for a missing directory, ``IsADirectoryError``,
    ``PermissionError`` for a read-only target, ...).
    """
    return write_all_atomic([(path, data)])[0]


def write_all_atomic(items: Iterable[tuple[str | os.PathLike, bytes | str]]) -> list[Path]:
    """Write several files all or none: every temporary file is written and fsynced before the first rename.

    A failure while writing (disk full, a read-only target, Ctrl-C) removes the temporary files and leaves every
    target as it was. The renames themselves follow one another; after the checks they can only fail if
    the directory changes under us. Returns the target paths, in order."""
    items = list(items)
    staged: list[tuple[str, Path]] = []
    cleaned: set[Path] = set()
    try:
        for path, data in items:
            payload = _as_bytes(data)
            target = Path(path)
            if target.parent not in cleaned:
                clean_stale_temps(target.parent)
                cleaned.add(target.parent)
            try:
                mode = _existing_mode(target)
                fd, temp = _create_temp(target)
                staged.append((temp, target))
                try:
                    if mode is not None and hasattr(os, "fchmod"):
                        os.fchmod(fd, mode)
                    _write_all(fd, payload)
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                exc.filename = str(target)  # the target, not our temporary name, is what the user knows
                raise
        while staged:
            temp, target = staged[0]
            os.replace(temp, target)
            staged.pop(0)
    except BaseException:
        for temp, _ in staged:
            try:
                os.unlink(temp)
            except OSError:
                pass
        raise
    for directory in cleaned:
        _fsync_directory(directory)
    return [Path(path) for path, _ in items]


def target_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be written (one phrase naming the directory as given), or None if it can."""
    given = os.fspath(path)
    parent = os.path.dirname(given) or "."
    if not os.path.isdir(parent):
        return f"no such directory {parent} (create it first)"
    if os.path.isdir(given):
        return "it is a directory"
    if not os.access(parent, os.W_OK):
        return f"directory {parent} is not writable"
    if _read_only(given):
        return "the file exists and is read-only (remove it or make it writable first)"
    return None


def clean_stale_temps(directory: str | os.PathLike) -> list[str]:
    """Remove our temporary files left in ``directory`` by processes that died (SIGKILL, power loss): a
    ``.<name>.<pid>.<hex>.tmp`` whose pid no longer runs, or any of ours older than :data:`STALE_AFTER`. Only
    regular files owned by this user are touched. Returns the names removed; errors are ignored."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    now = time.time()
    me = os.geteuid() if hasattr(os, "geteuid") else None
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(".tmp")):
            continue
        match = _TEMP.fullmatch(entry.name)
        if match is None and _OLD_TEMP.fullmatch(entry.name) is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or (me is not None and info.st_uid != me):
            continue
        stale = now - info.st_mtime > STALE_AFTER
        if not stale and match is not None:
            stale = _dead(int(match["pid"]))
        if stale:
            try:
                os.unlink(entry.path)
                removed.append(entry.name)
            except OSError:
                pass
    return removed


def _dead(pid: int) -> bool:
    """True if no process ``pid`` runs (POSIX only; elsewhere we cannot ask safely, and say alive)."""
    if pid == os.getpid():
        return False
    if os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, OSError):
        return False
    return False


def _as_bytes(data) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    if not isinstance(data, bytes):
        raise TypeError(f"write_atomic needs bytes or str, not {type(data).__name__}")
    return data


def _read_only(path: str) -> bool:
    """An existing regular file nobody may write (mode bits), or that we may not write."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode):
        return False
    return not (info.st_mode & 0o222) or not os.access(path, os.W_OK)


def _existing_mode(target: Path) -> int | None:
    """The permission bits of the file ``target`` replaces (None: nothing to replace); refuses what we must not
    replace: a directory, a read-only file."""
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(target))
    if _read_only(str(target)):
        raise PermissionError(errno.EACCES, "the file exists and is read-only", str(target))
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return None


def _create_temp(target: Path) -> tuple[int, str]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        temp = str(target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
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
