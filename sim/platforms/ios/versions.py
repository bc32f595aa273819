"""IOS software versions and what changes with them in the output (issue 10, version profiles).

A device's version comes from its config (``version 15.9``) or the scenario's ``version:``; without one it is a
current IOS XE. Three profiles, from the published captures (real-captures.md):

* **12** (12.x, itcertnotes capture): ``show crypto isakmp sa`` is one table ``dst src state conn-id slot`` (no
  ``IPv4 Crypto ISAKMP SA`` heading, no status column), conn-ids count from 1; debug lines start ``ISAKMP (0:N):``.
* **15** (15.x): the ``dst src state conn-id status`` table under ``IPv4 Crypto ISAKMP SA``, conn-ids from 1001;
  debug ``ISAKMP:(N):``.
* **xe** (IOS XE 16.x and later, the default): as 15, debug ``ISAKMP: (N):``.
"""

from __future__ import annotations

import re

V12, V15, XE = "12", "15", "xe"


def profile(version: str | None) -> str:
    match = re.match(r"([0-9]+)\.", version or "")
    if match is None:
        return XE
    major = int(match.group(1))
    return V12 if major < 15 else V15 if major == 15 else XE


def of(trace, hostname: str) -> str:
    try:
        return profile(getattr(trace.device(hostname), "version", ""))
    except KeyError:
        return XE


def debug_prefix(prof: str, kind: str, conn: int) -> str:
    """``ISAKMP (0:1): `` (12.x), ``ISAKMP:(1001):`` (15.x), ``ISAKMP: (1001):`` (IOS XE); ``kind`` is ISAKMP,
    ISAKMP-PAK or ISAKMP-ERROR (12.x and 15.x print ISAKMP for all of them)."""
    if prof == V12:
        return f"ISAKMP (0:{conn}): "  # 12.x puts a blank before the text (itcertnotes capture)
    if prof == V15:
        return f"ISAKMP:({conn}):"
    return f"{kind}: ({conn}):"


def first_conn_id(prof: str) -> int:
    return 1 if prof == V12 else 1001
