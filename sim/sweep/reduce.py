"""One run's Trace reduced to the small record a sweep keeps. THE ONLY PLACE in :mod:`sim.sweep` that reads a Trace:
when the Trace changes, port :func:`reduce_trace` (and keep :data:`FIELDS`)."""

from __future__ import annotations

from ..engine.trace import DatagramDropped, DatagramSent, SaChanged, Trace

#: the record's fields, in table order (``reduce_trace`` returns a tuple of these)
FIELDS = (
    "up",                    # the initiator reached MM_ACTIVE (on any of its SAs) before the horizon
    "time_to_active",        # seconds from the first datagram to the initiator's first MM_ACTIVE (None: never)
    "initiator_state",       # the state of the initiator's latest SA: at the horizon, or when it was removed
    "responder_state",       # the same on the responder ("" when it never had an SA)
    "datagrams",             # datagrams sent, both sides
    "dropped",               # of those, dropped on the path
    "resends",               # datagrams with attempt > 0
    "timer_resends",         # of those, resent because the retransmission timer fired
    "duplicate_resends",     # of those, resent because a duplicate of the previous message arrived
    "removed",               # an SA was removed on either side
    "initiator_removed_at",  # seconds from the first datagram to the initiator's first SA removal (None: never)
    "responder_removed_at",  # the same on the responder
)


def reduce_trace(trace: Trace) -> tuple:
    """The :data:`FIELDS` of one run, from its Trace alone (devices are told apart by their role)."""
    role_of = {device.hostname: device.role for device in trace.devices}
    start = None
    active = None
    datagrams = dropped = resends = timer_resends = duplicate_resends = 0
    state = {"initiator": "", "responder": ""}
    removed_at: dict[str, float | None] = {"initiator": None, "responder": None}
    for record in trace.records:
        kind = type(record)
        if kind is DatagramSent:
            if start is None:
                start = record.t
            datagrams += 1
            if record.attempt > 0:
                resends += 1
                if record.trigger == "timer":
                    timer_resends += 1
                elif record.trigger == "duplicate":
                    duplicate_resends += 1
        elif kind is DatagramDropped:
            dropped += 1
        elif kind is SaChanged:
            role = role_of[record.device]
            update = record.update
            if update.state is None:
                if removed_at[role] is None:
                    removed_at[role] = record.t
            else:
                state[role] = update.state
                if role == "initiator" and active is None and update.state == "MM_ACTIVE":
                    active = record.t
    start = start or 0.0

    def since(t: float | None) -> float | None:
        return None if t is None else round(t - start, 6)

    return (active is not None, since(active), state["initiator"], state["responder"], datagrams, dropped, resends,
            timer_resends, duplicate_resends, any(t is not None for t in removed_at.values()),
            since(removed_at["initiator"]), since(removed_at["responder"]))
