"""A scenario device with new configuration text or outside address, parsed again by its platform.

Its own module so that both :mod:`sim.faults` (which edits configs) and :mod:`sim.scenario` (which applies a
scenario's ``faults:``, and re-exports this for :func:`sim.api.replace_config`) can use it without importing each
other.
"""

from __future__ import annotations

import dataclasses

from .errors import InputError
from .platforms import registry


def reparse_device(device, *, config_text: str | None = None, outside: str | None = None,
                   source: str | None = None):
    """``device`` (a :class:`sim.scenario.DeviceSpec`) with new config text and/or outside address, parsed again by
    its platform (InputError located at ``source``, field ``<role>.config``, for a config that does not parse)."""
    text = device.config_text if config_text is None else config_text
    platform = registry.get(device.platform)
    try:
        config = platform.parse_config(text)
        platform.check_outside(config, device.outside if outside is None else outside)
    except InputError as exc:
        raise exc.located(source=source, field=f"{device.role}.config") from None
    return dataclasses.replace(device, config_text=text, config=config,
                               outside=device.outside if outside is None else outside)
