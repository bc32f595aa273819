"""Main Mode states and transitions as data (RFC 2409 section 5, PSK).

State names are the ones a Cisco ASA shows: each names the message the box is *waiting for*. Even numbers belong to
the initiator, odd ones to the responder. Other platforms map these to their own names (IOS: MM_NO_STATE ...).

The initiator and responder run exactly these rows; the cheat sheet and the trainee hints are generated from them.
"""

from __future__ import annotations

from typing import NamedTuple

MM_WAIT_MSG2 = "MM_WAIT_MSG2"
MM_WAIT_MSG3 = "MM_WAIT_MSG3"
MM_WAIT_MSG4 = "MM_WAIT_MSG4"
MM_WAIT_MSG5 = "MM_WAIT_MSG5"
MM_WAIT_MSG6 = "MM_WAIT_MSG6"
MM_ACTIVE = "MM_ACTIVE"

STATES = (MM_WAIT_MSG2, MM_WAIT_MSG3, MM_WAIT_MSG4, MM_WAIT_MSG5, MM_WAIT_MSG6, MM_ACTIVE)

INITIATOR = "initiator"
RESPONDER = "responder"


class Transition(NamedTuple):
    """In ``state`` (None: no SA yet), ``role`` receives ``receives`` (None: starts on its own), sends ``sends``
    and moves to ``next``. The teaching core of each row: ``arrives`` says what must have happened for ``receives``
    to reach this side at all, ``needs`` what this side must have to accept it and take the step."""

    role: str
    state: str | None
    receives: str | None
    sends: str
    next: str
    payloads: str  # RFC 2409 notation of what ``sends`` carries
    needs: str
    arrives: str = ""


TRANSITIONS: tuple[Transition, ...] = (
    Transition(INITIATOR, None, None, "MM1", MM_WAIT_MSG2, "HDR, SA",
               "IKE enabled on the interface and at least one policy (IOS: also a key for the peer)",
               "interesting traffic hitting the crypto map"),
    Transition(RESPONDER, None, "MM1", "MM2", MM_WAIT_MSG3, "HDR, SA",
               "IKE enabled on the interface facing the initiator and a policy that matches an offered transform",
               "a route to the responder and UDP 500 open toward it"),
    Transition(INITIATOR, MM_WAIT_MSG2, "MM2", "MM3", MM_WAIT_MSG4, "HDR, KE, Ni",
               "a transform it offered",
               "MM1 reaching a responder that listens and accepts one of the offered policies, and MM2 getting "
               "back (return path and UDP 500 toward the initiator open)"),
    Transition(RESPONDER, MM_WAIT_MSG3, "MM3", "MM4", MM_WAIT_MSG5, "HDR, KE, Nr",
               "a tunnel-group (or DefaultL2LGroup key) for the initiator's address, with a pre-shared key",
               "MM2 reaching the initiator (return path and UDP 500 toward the initiator open), which then answers"),
    Transition(INITIATOR, MM_WAIT_MSG4, "MM4", "MM5", MM_WAIT_MSG6, "HDR*, IDii, HASH_I",
               "a pre-shared key for the responder's address, to derive SKEYID and encrypt MM5",
               "the responder finding a pre-shared key for the initiator's address (a tunnel-group named by it)"),
    Transition(RESPONDER, MM_WAIT_MSG5, "MM5", "MM6", MM_ACTIVE, "HDR*, IDir, HASH_R",
               "the same pre-shared key as the initiator, so that MM5 decrypts and HASH_I verifies",
               "the initiator having a key to encrypt MM5, and MM5 getting through (UDP 4500 open after a NAT-T "
               "float)"),
    Transition(INITIATOR, MM_WAIT_MSG6, "MM6", "", MM_ACTIVE, "",
               "HASH_R verifying",
               "the responder decrypting MM5 (the same key on both sides), and MM6 getting back"),
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
