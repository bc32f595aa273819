"""The platforms ikesim knows, by the name a scenario gives in ``platform:``.

This is the one place that lists them. Everything outside ``sim/platforms/`` asks here (``get``, ``names``,
``default``, ``detect``) and then talks to the :class:`~sim.platforms.base.Platform` it gets back, so adding a
platform is a folder ``sim/platforms/<name>/`` plus one line in :data:`REGISTERED`.
"""

from __future__ import annotations

import importlib
import re

from ..errors import InputError

#: name -> the module whose ``PLATFORM`` object implements :class:`~sim.platforms.base.Platform`, in the order
#: listings, labs and parsers use. The first one is the default (a scenario device without ``platform:``).
REGISTERED = {
    "asa": "sim.platforms.asa.platform",
    "ios": "sim.platforms.ios.platform",
}


def names() -> tuple[str, ...]:
    """The registered platform names, default first."""
    return tuple(REGISTERED)


def get(name: str):
    """The platform called ``name``; InputError (``field="platform"``) naming the known ones otherwise."""
    module = REGISTERED.get(name)
    if module is None:
        raise InputError(f"platform {name!r} is not supported (known: {', '.join(REGISTERED)})", field="platform")
    return importlib.import_module(module).PLATFORM


def default():
    """The platform of a device whose scenario names none."""
    return get(names()[0])


def all_platforms() -> tuple:
    """Every registered platform object, in registry order."""
    return tuple(get(name) for name in REGISTERED)


def detect(config_text: str):
    """The platform whose configuration dialect ``config_text`` is written in, by each platform's
    ``config_markers`` (lines only that dialect has); None when no platform or more than one claims it."""
    claims = [p for p in all_platforms() if any(re.search(m, config_text, re.M) for m in p.config_markers)]
    return claims[0] if len(claims) == 1 else None


def scores(config_text: str) -> dict[str, int]:
    """How strongly each platform's ``config_weights`` claim ``config_text`` (a saved running-config's version
    line weighs 100, other markers less)."""
    out = {}
    for name in names():
        weights = getattr(get(name), "config_weights", ())
        out[name] = sum(w for pattern, w in weights if re.search(pattern, config_text, re.M))
    return out


# names kept for callers written before the registry had get()/names()
PLATFORMS = names()
platform_for = get
