"""Platform lookup by the name a scenario gives in ``platform:``."""

from __future__ import annotations

from ..errors import InputError

PLATFORMS = ("asa", "ios")


def platform_for(name: str):
    if name == "asa":
        from .asa.platform import ASA

        return ASA
    if name == "ios":
        from .ios.platform import IOS

        return IOS
    raise InputError(f"platform {name!r} is not supported (known: {', '.join(PLATFORMS)})", field="platform")
