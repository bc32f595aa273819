"""How an ASA names the core's reasons where the neutral words (:mod:`sim.render.reasons`) would not say it in the
box's own terms: keys live in tunnel-groups, the fallback is DefaultL2LGroup."""

from __future__ import annotations

from ...ike.types import Reason


def reason_words(reason, detail, message, removal: bool) -> str | None:
    if reason is Reason.NO_PEER_KEY:
        peer = detail.get("peer")
        if removal:
            return f"no tunnel-group matches {peer}"
        return f"no tunnel-group for {peer} and no DefaultL2LGroup pre-shared key"
    if reason is Reason.GROUP_WITHOUT_KEY:
        return f"tunnel-group {detail.get('group')} has no pre-shared key"
    return None


def reason_short(reason, detail, message, removal: bool) -> str | None:
    return None
