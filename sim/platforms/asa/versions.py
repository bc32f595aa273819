"""ASA software versions and what changes with them in the output (issue 10, version profiles).

A device's version comes from its config (``ASA Version 9.12(4)``) or the scenario's ``version:``; without one it is
the seed's 9.x. Two profiles: **9** (8.4 and later: ``IKEv1 SAs:`` heading, the IKEv2 line) and **8.2** (8.2 and
earlier, PIX 7.x: the same block without the ``IKEv1 SAs:`` heading and without the IKEv2 line; ike-facts.md 3.1,
from the PASTEBIN captures). An 8.2 box with no SA prints ``There are no isakmp sas`` [U: PIX/8.x wording as quoted
in forum posts; not in the reference captures].
"""

from __future__ import annotations

import re

LEGACY = "8.2"
CURRENT = "9"


def profile(version: str | None) -> str:
    """``8.2`` for 8.3 and earlier (``crypto isakmp`` syntax era), else ``9``."""
    match = re.match(r"([0-9]+)\.([0-9]+)", version or "")
    if match is None:
        return CURRENT
    return LEGACY if (int(match.group(1)), int(match.group(2))) < (8, 4) else CURRENT


def of(trace, hostname: str) -> str:
    """The profile of ``hostname`` in ``trace`` (its DeviceInfo's version)."""
    try:
        return profile(getattr(trace.device(hostname), "version", ""))
    except KeyError:
        return CURRENT
