"""A configuration file -> a :class:`Box`: platform and hostname from the text, parsed by the platform's parser.

Platform markers (a saved running-config always has some): ASA ``ASA Version``/``PIX Version``, ``: Saved``,
``Cryptochecksum:``, ``nameif``, ``tunnel-group``; IOS ``Building configuration...``, ``Current configuration :``,
``version 15.9``, ``boot-start-marker``, ``crypto isakmp key``, ``encr`` under a policy. The strongest marker wins
(a version line); a file with markers of both and no version line is an error asking for ``--platform``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError
from ..platforms.registry import platform_for

#: (regex, platform, weight): a version line decides; the others only add up
MARKERS = (
    (r"^(?:ASA|PIX) Version \S+", "asa", 100),
    (r"^version [0-9]+\.[0-9]+\s*$", "ios", 100),
    (r"^: Saved", "asa", 10),
    (r"^Cryptochecksum:", "asa", 10),
    (r"^Building configuration", "ios", 10),
    (r"^Current configuration :", "ios", 10),
    (r"^boot-start-marker", "ios", 10),
    (r"^ nameif ", "asa", 3),
    (r"^tunnel-group ", "asa", 3),
    (r"^crypto ikev1 ", "asa", 3),
    (r"^crypto isakmp key ", "ios", 3),
    (r"^ encr ", "ios", 3),
    (r"^crypto map \S+ [0-9]+ ipsec-isakmp\s*$", "ios", 3),
)


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
        """The platform's fix-line module (:mod:`sim.platforms.asa.fixlines` or the IOS one)."""
        if self.platform == "asa":
            from ..platforms.asa import fixlines
        else:
            from ..platforms.ios import fixlines
        return fixlines

    def describe(self) -> str:
        version = f" {self.version}" if self.version else ""
        return f"{self.hostname} ({self.source}, {self.platform.upper()}{version})"


def detect_platform(text: str, source: str, given: str | None = None) -> str:
    if given is not None:
        return given
    scores = {"asa": 0, "ios": 0}
    for pattern, platform, weight in MARKERS:
        if re.search(pattern, text, re.M):
            scores[platform] += weight
    if scores["asa"] == scores["ios"]:
        what = "no ASA or IOS markers" if not scores["asa"] else "as many ASA as IOS markers"
        raise InputError(f"cannot tell whether this is an ASA or an IOS config ({what}: a saved running-config "
                         "has 'ASA Version ...' or 'version 15.x'); give --platform A=asa or --platform A=ios",
                         source=source)
    return max(scores, key=scores.get)


def _keys_module(platform: str):
    if platform == "asa":
        from ..platforms.asa import config
    else:
        from ..platforms.ios import config
    return config


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
    hostname = config.hostname or f"{platform.upper()}-{label}"
    return Box(label, source, text, platform, hostname, config)
