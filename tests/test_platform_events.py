"""Every platform says, for every event kind the core emits, how its logs render it or that they ignore it."""

from __future__ import annotations

import importlib

import pytest

from sim.ike.events import EVENT_TYPES
from sim.platforms.registry import PLATFORMS


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_event_kind_is_rendered_or_explicitly_ignored(platform):
    logs = importlib.import_module(f"sim.platforms.{platform}.logs")
    handled = logs.HANDLED
    assert set(handled) == set(EVENT_TYPES), (sorted(k.__name__ for k in set(EVENT_TYPES) - set(handled)),
                                              sorted(k.__name__ for k in set(handled) - set(EVENT_TYPES)))
    renderer = next(v for k, v in vars(logs).items() if isinstance(v, type) and k.startswith("_")
                    and any(hasattr(v, name) for name in handled.values() if name))
    for kind, name in handled.items():
        assert name is None or callable(getattr(renderer, name, None)), f"{platform}: {kind.__name__} -> {name}"
