"""How an IOS router names the core's reasons where the neutral words (:mod:`sim.render.reasons`) would not say it
in the box's own terms: keys are ``crypto isakmp key ... address`` entries, the fallback is the 0.0.0.0 wildcard."""

from __future__ import annotations

from ...ike.types import Reason


def reason_words(reason, detail, message, removal: bool) -> str | None:
    if reason is Reason.NO_PEER_KEY:
        peer = detail.get("peer")
        if removal:
            return f"no crypto isakmp key matches {peer}"
        return f"no crypto isakmp key for {peer} and no wildcard (0.0.0.0 0.0.0.0) key"
    if reason is Reason.GROUP_WITHOUT_KEY:
        return f"the crypto isakmp key entry {detail.get('group')} has no key"
    return None


def reason_short(reason, detail, message, removal: bool) -> str | None:
    return None
