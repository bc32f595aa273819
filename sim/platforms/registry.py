"""Platform lookup by the name a scenario gives in ``platform:``."""

from __future__ import annotations

from ..errors import InputError


def platform_for(name: str):
    if name == "asa":
        from .asa.platform import ASA

        return ASA
    raise InputError(f"platform {name!r} is not supported (known: asa)", field="platform")


PLATFORMS = ("asa",)
