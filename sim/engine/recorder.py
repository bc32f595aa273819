"""One recorder for every driver: it writes the effects of one input of one device into the Trace, in order, each
with its cause, and hands the effects that need the outside world (send a datagram, arm or cancel a timer) back to
the driver. The SimPy simulator and the live UDP driver both use it, so a live Trace and a simulated one have the
same shape and every renderer works on both."""

from __future__ import annotations

from typing import Callable, Protocol

from ..ike.effects import CancelTimer, KeysDerived, Log, Received, SaUpdate, Send, SetTimer
from .trace import (Cause, CauseKind, DatagramProcessed, DatagramSent, KeysRecord, Logged, SaChanged, TimerCancelled,
                    TimerSet)


class Driver(Protocol):
    def transmit(self, device: str, send: Send, cause: Cause) -> None:
        """Send the datagram (and record its ``DatagramSent`` with :func:`sent_record`)."""

    def schedule(self, device: str, timer: SetTimer) -> None: ...

    def cancel(self, device: str, timer: CancelTimer) -> None: ...

    def removed(self, device: str, update: SaUpdate) -> None:
        """An SA of ``device`` was removed (the simulator restarts interesting traffic when so configured)."""


def sent_record(t: float, datagram_id: int, device: str, role: str, src: str, dst: str, send: Send,
                cause: Cause) -> DatagramSent:
    """The ``DatagramSent`` of a core ``Send`` as the driver put it on the wire."""
    return DatagramSent(t, datagram_id, device, role, src, send.sport, dst, send.dport, send.data, send.message,
                        send.attempt, send.trigger, send.sa, send.payloads, send.length, send.encrypted,
                        send.message_id, cause)


class Recorder:
    def __init__(self, append: Callable[[object], None], driver: Driver):
        self.append = append
        self.driver = driver

    def apply(self, device: str, effects: list, cause: Cause, now: float) -> None:
        append = self.append
        driver = self.driver
        datagram_id = cause.ref if cause.kind is CauseKind.DELIVERY else -1
        for effect in effects:
            kind = type(effect)
            if kind is Send:
                driver.transmit(device, effect, cause)
            elif kind is Log:
                append(Logged(now, device, effect.event, cause))
            elif kind is Received:
                append(DatagramProcessed(now, datagram_id, device, effect.message, effect.outcome, effect.reason,
                                         effect.detail, effect.sa, effect.payloads, effect.length, effect.encrypted,
                                         effect.message_id, cause))
            elif kind is SetTimer:
                append(TimerSet(now, device, effect.id, effect.at, effect.purpose, effect.sa, effect.message, cause))
                driver.schedule(device, effect)
            elif kind is CancelTimer:
                append(TimerCancelled(now, device, effect.id, cause))
                driver.cancel(device, effect)
            elif kind is SaUpdate:
                append(SaChanged(now, device, effect, cause))
                if effect.state is None:
                    driver.removed(device, effect)
            elif kind is KeysDerived:
                append(KeysRecord(now, device, effect, cause))
            else:  # pragma: no cover - a new effect type must be handled here
                raise TypeError(f"unhandled effect {effect!r}")
