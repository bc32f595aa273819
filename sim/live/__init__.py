"""Live mode: the sans-IO IKE core on real UDP sockets, against a real peer, with the device's ASA config.

    >>> import asyncio
    >>> from sim.live import run_initiator, format_progress
    >>> result = asyncio.run(run_initiator(open("asa.cfg").read(), "192.0.2.7",
    ...                                    on_event=lambda e: print(format_progress(e), end="")))
    >>> result.exit_code, result.final_state          # (0, 'MM_ACTIVE') or (1, 'MM_WAIT_MSG6') ...
    >>> print(result.show("show crypto isakmp sa detail"))

Only ever point it at gateways you are allowed to test. See :mod:`sim.live.driver` for how a live run maps onto the
Trace, the ports and the non-ESP marker.
"""

from .device import LIVE_INTERFACE, parse_endpoint
from .driver import (DEFAULT_TIMEOUT, PEER_HOSTNAME, Listening, LiveEvent, LiveResult, format_progress,
                     run_initiator, run_responder)

__all__ = ["run_initiator", "run_responder", "format_progress", "parse_endpoint", "LiveEvent", "LiveResult",
           "Listening", "LIVE_INTERFACE", "PEER_HOSTNAME", "DEFAULT_TIMEOUT"]
