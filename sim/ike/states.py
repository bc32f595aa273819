"""Main Mode states and transitions as data (RFC 2409 section 5, PSK).

State names are the ones a Cisco ASA shows: each names the message the box is *waiting for*. Even numbers belong to
the initiator, odd ones to the responder. Other platforms map these to their own names (IOS: MM_NO_STATE ...).

The initiator and responder run exactly these rows; the cheat sheet and the trainee hints are generated from them.
"""

from __future__ import annotations

from dataclasses import dataclass

MM_WAIT_MSG2 = "MM_WAIT_MSG2"
MM_WAIT_MSG3 = "MM_WAIT_MSG3"
MM_WAIT_MSG4 = "MM_WAIT_MSG4"
MM_WAIT_MSG5 = "MM_WAIT_MSG5"
MM_WAIT_MSG6 = "MM_WAIT_MSG6"
MM_ACTIVE = "MM_ACTIVE"

STATES = (MM_WAIT_MSG2, MM_WAIT_MSG3, MM_WAIT_MSG4, MM_WAIT_MSG5, MM_WAIT_MSG6, MM_ACTIVE)

INITIATOR = "initiator"
RESPONDER = "responder"


@dataclass(frozen=True)
class Transition:
    """In ``state`` (None: no SA yet), ``role`` receives ``receives`` (None: starts on its own), sends ``sends``
    and moves to ``next``. ``needs`` says what it must have to take the step: the teaching core of each row."""

    role: str
    state: str | None
    receives: str | None
    sends: str
    next: str
    payloads: str  # RFC 2409 notation of what ``sends`` carries
    needs: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(INITIATOR, None, None, "MM1", MM_WAIT_MSG2, "HDR, SA",
               "IKE enabled on the interface and at least one policy"),
    Transition(RESPONDER, None, "MM1", "MM2", MM_WAIT_MSG3, "HDR, SA",
               "IKE enabled on the interface facing the initiator, UDP 500 reaching it, a policy that matches an offer"),
    Transition(INITIATOR, MM_WAIT_MSG2, "MM2", "MM3", MM_WAIT_MSG4, "HDR, KE, Ni",
               "MM2 getting back: the return path and UDP 500 toward the initiator open; a transform it offered"),
    Transition(RESPONDER, MM_WAIT_MSG3, "MM3", "MM4", MM_WAIT_MSG5, "HDR, KE, Nr",
               "a tunnel-group (or DefaultL2LGroup key) for the initiator's address, with a pre-shared key"),
    Transition(INITIATOR, MM_WAIT_MSG4, "MM4", "MM5", MM_WAIT_MSG6, "HDR*, IDii, HASH_I",
               "a pre-shared key for the responder's address, to derive SKEYID and encrypt MM5"),
    Transition(RESPONDER, MM_WAIT_MSG5, "MM5", "MM6", MM_ACTIVE, "HDR*, IDir, HASH_R",
               "the same pre-shared key as the initiator, so that MM5 decrypts and HASH_I verifies"),
    Transition(INITIATOR, MM_WAIT_MSG6, "MM6", "", MM_ACTIVE, "",
               "MM6 getting back and HASH_R verifying"),
)


def transition(role: str, state: str | None, receives: str | None) -> Transition:
    for row in TRANSITIONS:
        if (row.role, row.state, row.receives) == (role, state, receives):
            return row
    raise KeyError((role, state, receives))


def expected(role: str, state: str | None) -> str | None:
    """The message a SA of ``role`` in ``state`` waits for (None when it waits for nothing)."""
    for row in TRANSITIONS:
        if row.role == role and row.state == state and row.receives:
            return row.receives
    return None


def role_of(state: str) -> str | None:
    """Which role can sit in a waiting state (MM_ACTIVE: both)."""
    roles = {row.role for row in TRANSITIONS if row.state == state}
    return roles.pop() if len(roles) == 1 else None
