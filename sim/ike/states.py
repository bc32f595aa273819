"""Main Mode as data: the transition table that drives the core (RFC 2409 section 5, pre-shared keys).

One row per (role, state, message received). The dispatcher (:meth:`sim.ike.exchange.MainModeSA.receive`)
classifies an inbound message by the rows of its role (``signature``: the payload that identifies it, or
encryption), looks the row up, checks the cookies, decrypts when ``encrypted_in``, checks the ``requires``d
payloads, calls the row's ``handler``, sends ``sends`` (encrypted when ``encrypted_out``), arms the retransmission
timer when ``retransmit``, moves to ``next`` and records the history step. A copy of a message the SA already took
makes it resend its answer when ``resend_on_duplicate``. The cheat sheet and the trainee hints are generated from the
same rows (``payloads``, ``needs``, ``arrives``): the teaching text cannot drift from the protocol. Quick Mode will be
more rows of the same shape.

State names are the ones a Cisco ASA shows (each names the message the box is *waiting for*); other platforms map
them to their own names (IOS: MM_NO_STATE ...).
"""

from __future__ import annotations

from typing import NamedTuple

from .messages import HashPayload, IdPayload, KePayload, NatDPayload, NoncePayload, NotifyPayload, OtherPayload
from .messages import SaPayload, VendorIdPayload
from .types import Msg, Role, State

# the plain names are kept for the teaching code and older callers
MM_WAIT_MSG2, MM_WAIT_MSG3, MM_WAIT_MSG4 = State.MM_WAIT_MSG2, State.MM_WAIT_MSG3, State.MM_WAIT_MSG4
MM_WAIT_MSG5, MM_WAIT_MSG6, MM_ACTIVE = State.MM_WAIT_MSG5, State.MM_WAIT_MSG6, State.MM_ACTIVE
STATES = tuple(State)
INITIATOR, RESPONDER = Role.INITIATOR, Role.RESPONDER


class Transition(NamedTuple):
    """In ``state`` (None: no SA yet), ``role`` receives ``receives`` (None: starts on its own), calls ``handler``,
    sends ``sends`` and moves to ``next``.

    ``signature``: the payload class that identifies ``receives`` among the messages this role can get (None: it is
    the encrypted one); ``first``: it must carry a zero responder cookie (it creates the SA). ``requires`` /
    ``accepts``: payload classes that must / may be present (after decryption when ``encrypted_in``); others are
    ignored. The teaching core of each row: ``arrives`` says what must have happened for ``receives`` to reach this
    side at all, ``needs`` what this side must have to accept it and take the step."""

    role: Role
    state: State | None
    receives: Msg | None
    sends: Msg | None
    next: State
    handler: str
    payloads: str  # RFC 2409 notation of what ``sends`` carries
    needs: str
    arrives: str = ""
    signature: type | None = None
    first: bool = False
    requires: tuple[type, ...] = ()
    accepts: tuple[type, ...] = ()
    encrypted_in: bool = False
    encrypted_out: bool = False
    resend_on_duplicate: bool = True
    retransmit: bool = True


_CLEAR_EXTRAS = (VendorIdPayload, NatDPayload, NotifyPayload)
_AUTH_EXTRAS = (NotifyPayload, VendorIdPayload, OtherPayload)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(INITIATOR, None, None, Msg.MM1, MM_WAIT_MSG2, "begin", "HDR, SA",
               "IKE enabled on the interface and at least one policy (IOS: also a key for the peer)",
               "interesting traffic hitting the crypto map"),
    Transition(RESPONDER, None, Msg.MM1, Msg.MM2, MM_WAIT_MSG3, "on_mm1", "HDR, SA",
               "IKE enabled on the interface facing the initiator and a policy that matches an offered transform",
               "a route to the responder and UDP 500 open toward it",
               signature=SaPayload, first=True, requires=(SaPayload,), accepts=(VendorIdPayload,)),
    Transition(INITIATOR, MM_WAIT_MSG2, Msg.MM2, Msg.MM3, MM_WAIT_MSG4, "on_mm2", "HDR, KE, Ni",
               "a transform it offered",
               "MM1 reaching a responder that listens and accepts one of the offered policies, and MM2 getting "
               "back (return path and UDP 500 toward the initiator open)",
               signature=SaPayload, requires=(SaPayload,), accepts=(VendorIdPayload,)),
    Transition(RESPONDER, MM_WAIT_MSG3, Msg.MM3, Msg.MM4, MM_WAIT_MSG5, "on_mm3", "HDR, KE, Nr",
               "a tunnel-group (or DefaultL2LGroup key) for the initiator's address, with a pre-shared key",
               "MM2 reaching the initiator (return path and UDP 500 toward the initiator open), which then answers",
               signature=KePayload, requires=(KePayload, NoncePayload), accepts=_CLEAR_EXTRAS),
    Transition(INITIATOR, MM_WAIT_MSG4, Msg.MM4, Msg.MM5, MM_WAIT_MSG6, "on_mm4", "HDR*, IDii, HASH_I",
               "a pre-shared key for the responder's address, to derive SKEYID and encrypt MM5",
               "the responder finding a pre-shared key for the initiator's address (a tunnel-group named by it)",
               signature=KePayload, requires=(KePayload, NoncePayload), accepts=_CLEAR_EXTRAS, encrypted_out=True),
    Transition(RESPONDER, MM_WAIT_MSG5, Msg.MM5, Msg.MM6, MM_ACTIVE, "on_mm5", "HDR*, IDir, HASH_R",
               "the same pre-shared key as the initiator, so that MM5 decrypts and HASH_I verifies",
               "the initiator having a key to encrypt MM5, and MM5 getting through (UDP 4500 open after a NAT-T "
               "float)",
               requires=(IdPayload, HashPayload), accepts=_AUTH_EXTRAS, encrypted_in=True, encrypted_out=True,
               retransmit=False),
    Transition(INITIATOR, MM_WAIT_MSG6, Msg.MM6, None, MM_ACTIVE, "on_mm6", "",
               "HASH_R verifying",
               "the responder decrypting MM5 (the same key on both sides), and MM6 getting back",
               requires=(IdPayload, HashPayload), accepts=_AUTH_EXTRAS, encrypted_in=True,
               resend_on_duplicate=False),
)

_BY_KEY = {(row.role, row.state, row.receives): row for row in TRANSITIONS}
#: per role, the rows that receive something, in table order (what ``classify`` tries)
RECEIVING: dict[Role, tuple[Transition, ...]] = {
    role: tuple(r for r in TRANSITIONS if r.role == role and r.receives is not None) for role in Role
}


def transition(role: str, state: str | None, receives: str | None) -> Transition:
    """The row for (role, state, message); KeyError if the table has none."""
    return _BY_KEY[(Role(role), State(state) if state else None, Msg(receives) if receives else None)]


def lookup(role: Role, state: State | None, receives: Msg | None) -> Transition | None:
    return _BY_KEY.get((role, state, receives))


def expected(role: str, state: str | None) -> Msg | None:
    """The message a SA of ``role`` in ``state`` waits for (None when it waits for nothing)."""
    for row in RECEIVING[Role(role)]:
        if row.state == state:
            return row.receives
    return None


def sending_row(message: Msg) -> Transition | None:
    """The row that sends ``message`` (MM1..MM6)."""
    return next((r for r in TRANSITIONS if r.sends == message), None)


def consuming_row(role: Role, message: Msg) -> Transition | None:
    """The row in which ``role`` takes ``message``."""
    return next((r for r in RECEIVING[role] if r.receives == message), None)
