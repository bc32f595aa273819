"""A configuration file -> a :class:`Box`: platform and hostname from the text, parsed by the platform's parser.

Platform markers (a saved running-config always has some) are each platform's ``config_weights`` (an ASA's
``ASA Version``, ``: Saved``, ``nameif``...; an IOS router's ``version 15.9``, ``Building configuration...``...):
the strongest claim wins (a version line); a tie is an error asking for ``--platform``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError
from ..platforms import registry
from ..platforms.registry import platform_for

@dataclass(frozen=True)
class Box:
    """One side of the check: the file it came from and its parsed configuration."""

    label: str  # "A" (the first file) or "B"
    source: str
    text: str
    platform: str
    hostname: str
    config: object  # AsaConfig | IosConfig

    @property
    def version(self) -> str | None:
        return self.config.version

    @property
    def dialect(self):
        """The platform's fix-line module (``sim.platforms.<name>.fixlines``)."""
        return registry.get(self.platform).fixlines

    def describe(self) -> str:
        version = f" {self.version}" if self.version else ""
        return f"{self.hostname} ({self.source}, {registry.get(self.platform).label}{version})"


def detect_platform(text: str, source: str, given: str | None = None) -> str:
    if given is not None:
        return given
    scores = registry.scores(text)
    ranked = sorted(scores, key=lambda name: -scores[name])
    if len(ranked) > 1 and scores[ranked[0]] == scores[ranked[1]]:
        labels = " or ".join(registry.get(name).label for name in ranked)
        what = "no markers of any platform" if not scores[ranked[0]] else "the markers of several platforms equally"
        options = " or ".join(f"--platform A={name}" for name in registry.names())
        raise InputError(f"cannot tell whether this is an {labels} config ({what}: a saved running-config has its "
                         f"version line); give {options}", source=source)
    return ranked[0]


def _keys_module(platform: str):
    return registry.get(platform).fixlines


def read_box(label: str, text: str, source: str, platform: str | None = None, key: str | None = None) -> Box:
    """Parse one file. Errors (:class:`InputError` with the file and line): not readable as either platform, a line
    that matters to Phase 1 and is not understood, a masked key without ``--key``."""
    platform = detect_platform(text, source, platform)
    keys = _keys_module(platform)
    masked = keys.masked_key_lines(text)
    if masked and key is None:
        raise InputError(
            "the pre-shared key is masked (the form 'show running-config' prints): give the file with the real key "
            f"(ASA: 'more system:running-config'; IOS: the key as typed) or give it with --key {label}=KEY",
            source=source, line=masked[0], field="config")
    if key is not None:
        text = keys.unmask_keys(text, key)
    try:
        config = platform_for(platform).parse_config(text)
    except InputError as exc:
        raise exc.located(source=source) from None
    hostname = config.hostname or f"{registry.get(platform).label}-{label}"
    return Box(label, source, text, platform, hostname, config)
