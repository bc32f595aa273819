"""The sweep's table: one row per run, sorted by (cell, run), as CSV (always) or Parquet (with pyarrow).

Columns: ``cell``, ``run``, ``seed``, one column per varied variable, then :data:`sim.sweep.reduce.FIELDS`. In CSV a
missing time is an empty field and booleans are ``true``/``false``; the bytes depend only on the rows.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import InputError
from .reduce import FIELDS

FORMATS = (".csv", ".parquet")
BOOLEAN = {"up", "removed"}
TIMES = {"time_to_active", "initiator_removed_at", "responder_removed_at"}
STATES = {"initiator_state", "responder_state"}


def columns(names: tuple[str, ...]) -> tuple[str, ...]:
    return ("cell", "run", "seed") + tuple(names) + FIELDS


def table_rows(names: tuple[str, ...], cells: list[tuple], rows: list[tuple]) -> list[tuple]:
    """Runner rows (cell, run, seed, *FIELDS) with the cell's values put in after the seed."""
    return [row[:3] + tuple(cells[row[0]]) + row[3:] for row in rows]


def table_format(path: str) -> str:
    """``.csv`` or ``.parquet``, from the file name; an InputError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"cannot tell the table format of {path!r}: name a .csv or .parquet file", field="--out")
    if suffix == ".parquet":
        _pyarrow()
    return suffix


def table_bytes(names: tuple[str, ...], rows: list[tuple], fmt: str) -> bytes:
    """The table (rows as from :func:`table_rows`) as ``.csv`` or ``.parquet`` bytes."""
    return _parquet(names, rows) if fmt == ".parquet" else csv_text(names, rows).encode("utf-8")


def csv_text(names: tuple[str, ...], rows: list[tuple]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns(names))
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buf.getvalue()


def read_csv(path: str) -> list[dict]:
    """A table written by :func:`table_bytes` as dicts with typed values (the inverse of the CSV writer)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [{key: _parse(key, value) for key, value in record.items()} for record in csv.DictReader(handle)]


def _cell(value) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _parse(key: str, value: str):
    if key in BOOLEAN:
        return value == "true"
    if key in TIMES:
        return float(value) if value else None
    if key in STATES or key == "timers":
        return value
    try:
        return int(value)
    except ValueError:
        return float(value)


def _pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise InputError("writing .parquet needs pyarrow: pip install 'ikesim[sweep]' (or write a .csv)",
                         field="--out") from None
    return pyarrow


def _parquet(names: tuple[str, ...], rows: list[tuple]) -> bytes:
    pa = _pyarrow()
    import pyarrow.parquet as pq

    cols = columns(names)
    data = {name: [row[i] for row in rows] for i, name in enumerate(cols)}
    types = {"cell": pa.int64(), "run": pa.int64(), "seed": pa.int64(), "timers": pa.string(), "retries": pa.int64()}
    for name in cols:
        if name in BOOLEAN:
            types[name] = pa.bool_()
        elif name in STATES:
            types[name] = pa.string()
        elif name in TIMES or name in ("loss", "delay", "interval", "remove_after"):
            types[name] = pa.float64()
        elif name not in types:
            types[name] = pa.int64()
    table = pa.table({name: pa.array(data[name], type=types[name]) for name in cols})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()
