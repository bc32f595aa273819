"""What a sweep varies: ``--vary NAME=SPEC`` parsed into a :class:`Variable`, and the cells of a grid or a sample.

A SPEC is a range ``START:STOP:STEP`` (STOP included when the steps land on it), a comma list ``A,B,C`` or one value.
The variables (:data:`VARIABLES`):

``loss``
    probability in [0, 1] that a datagram is lost, in both directions (a path ``Loss`` rule);
``delay``
    one-way delay in seconds, both directions (a path ``Delay`` rule, which replaces the 5 ms default);
``timers``
    a retransmission profile for both devices: ``asa`` (interval 8 s, 3 retries, removed 8 s later) or ``ios``
    (10 s, 5, 10 s);
``interval``, ``retries``, ``remove_after``
    one field of both devices' retransmission profile (seconds, a whole number, seconds).

Nothing here touches a scenario (that is :mod:`sim.sweep.apply`); bad specs raise one-line :class:`InputError`\\ s.
"""

from __future__ import annotations

import itertools
import math
import random
from typing import NamedTuple

from ..errors import InputError
from ..ike.config import Retransmit
from ..platforms import registry

#: timer profiles by name: each registered platform's default retransmission profile, under the platform's name, so
#: that one sweep can compare them on any pair
PROFILES: dict[str, Retransmit] = {name: registry.get(name).default_retransmit for name in registry.names()}


class Kind(NamedTuple):
    """How the values of a variable are checked: ``low`` <= value <= ``high``, and more than ``low`` when
    ``open_low``; ``integer`` for counts; ``choices`` for named values."""

    what: str
    low: float = 0.0
    high: float = math.inf
    open_low: bool = False
    integer: bool = False
    choices: tuple[str, ...] = ()


VARIABLES: dict[str, Kind] = {
    "loss": Kind("a probability", high=1.0),
    "delay": Kind("seconds"),
    "timers": Kind("a timer profile", choices=tuple(PROFILES)),
    "interval": Kind("seconds", open_low=True),
    "retries": Kind("a whole number", integer=True),
    "remove_after": Kind("seconds"),
}

#: the most cells a grid may have (a typo like 0:1:0.0001 x 3 variables should not start a week-long sweep)
MAX_CELLS = 100_000


class Variable(NamedTuple):
    """One ``--vary``: its name, its values in the order given, and for a range its bounds (for ``--samples``)."""

    name: str
    values: tuple
    bounds: tuple[float, float] | None = None

    @property
    def numeric(self) -> bool:
        return not VARIABLES[self.name].choices


def parse_vary(text: str) -> Variable:
    """``NAME=SPEC`` as a :class:`Variable`; raises :class:`InputError` naming the option for a bad one."""
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    if not sep or not name:
        raise _error(f"expected NAME=VALUES, e.g. loss=0:0.5:0.05, not {text!r}")
    if name not in VARIABLES:
        raise _error(f"unknown variable {name!r}; known: {', '.join(VARIABLES)}")
    kind = VARIABLES[name]
    if not spec:
        raise _error(f"{name}: no values given")
    if kind.choices:
        values = tuple(item.strip().lower() for item in spec.split(","))
        for value in values:
            if value not in kind.choices:
                raise _error(f"{name}: unknown profile {value!r}; known: {', '.join(kind.choices)}")
        return Variable(name, _unique(name, values))
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) != 3:
            raise _error(f"{name}: a range is START:STOP:STEP, not {spec!r}")
        start, stop, step = (_number(name, part, kind, check=index < 2) for index, part in enumerate(parts))
        if not step > 0:
            raise _error(f"{name}: the step of {spec!r} must be more than 0")
        if stop < start:
            raise _error(f"{name}: the range {spec!r} is empty (STOP is below START)")
        count = math.floor((stop - start) / step + 1e-9) + 1
        if count > MAX_CELLS:
            raise _error(f"{name}: the range {spec!r} has {count} values; at most {MAX_CELLS}")
        values = tuple(_clean(start + i * step, kind) for i in range(count))
        return Variable(name, _unique(name, values), (start, stop))
    values = tuple(_number(name, item, kind) for item in spec.split(","))
    return Variable(name, _unique(name, values), (min(values), max(values)))


def check_variables(variables: list[Variable]) -> None:
    """At least one, each named once, and not ``timers`` together with a field it sets."""
    if not variables:
        raise _error("name at least one variable, e.g. --vary loss=0:0.5:0.05")
    names = [v.name for v in variables]
    for name in names:
        if names.count(name) > 1:
            raise _error(f"{name} is varied twice")
    both = {"timers"} & set(names), {"interval", "retries", "remove_after"} & set(names)
    if all(both):
        raise _error(f"timers and {', '.join(sorted(both[1]))} both set the retransmission profile: vary one")


def grid(variables: list[Variable]) -> list[tuple]:
    """Every combination of the values, the first variable changing slowest: one tuple of values per cell."""
    check_variables(variables)
    count = math.prod(len(v.values) for v in variables)
    if count > MAX_CELLS:
        raise _error(f"the grid has {count} cells; at most {MAX_CELLS}")
    return list(itertools.product(*(v.values for v in variables)))


def samples(variables: list[Variable], count: int, seed: int) -> list[tuple]:
    """``count`` random cells: each numeric variable uniform between its smallest and largest value (whole numbers
    for ``retries``), each named one (``timers``) one of its values with equal chance. Seeded: same seed, same cells."""
    check_variables(variables)
    if not 1 <= count <= MAX_CELLS:
        raise InputError(f"must be between 1 and {MAX_CELLS}, not {count}", field="--samples")
    rng = random.Random(f"ikesim/sweep/samples/{seed}")
    cells = []
    for _ in range(count):
        cell = []
        for variable in variables:
            kind = VARIABLES[variable.name]
            if kind.choices:
                cell.append(rng.choice(variable.values))
            else:
                low, high = variable.bounds or (min(variable.values), max(variable.values))
                if kind.integer:
                    cell.append(rng.randint(int(low), int(high)))
                else:
                    cell.append(_clean(rng.uniform(low, high), kind))
        cells.append(tuple(cell))
    return cells


def _number(name: str, text: str, kind: Kind, check: bool = True) -> float:
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        raise _error(f"{name}: not a number: {text!r}") from None
    if not math.isfinite(value):
        raise _error(f"{name}: must be finite, not {text!r}")
    if not check:
        return value
    if kind.integer and value != int(value):
        raise _error(f"{name}: must be {kind.what}, not {text!r}")
    if value < kind.low or (kind.open_low and value == kind.low) or value > kind.high:
        low = f"more than {kind.low:g}" if kind.open_low else f">= {kind.low:g}"
        high = f" and <= {kind.high:g}" if math.isfinite(kind.high) else ""
        raise _error(f"{name}: must be {kind.what} {low}{high}, not {text!r}")
    return _clean(value, kind)


def _clean(value: float, kind: Kind):
    """Range arithmetic without float noise (0.1 * 3 = 0.30000000000000004 becomes 0.3); ints for counts."""
    if kind.integer:
        return int(round(value))
    return round(value, 9) + 0.0


def _unique(name: str, values: tuple) -> tuple:
    if len(set(values)) != len(values):
        raise _error(f"{name}: a value is listed twice")
    return values


def _error(message: str) -> InputError:
    return InputError(message, field="--vary")
