"""IOS names for the core's states and the first conn-id (ike-facts.md 2, 4.1, 4.2).

Its own module so that ``show.py`` and ``logs.py`` both read it without importing each other.
"""

from __future__ import annotations

#: core state (ASA names, each naming the message waited for) -> what IOS shows (ike-facts.md 2, 4.2)
STATE_NAMES = {
    ("initiator", "MM_WAIT_MSG2"): "MM_NO_STATE",
    ("initiator", "MM_WAIT_MSG4"): "MM_SA_SETUP",
    ("initiator", "MM_WAIT_MSG6"): "MM_KEY_EXCH",
    ("responder", "MM_WAIT_MSG3"): "MM_SA_SETUP",
    ("responder", "MM_WAIT_MSG5"): "MM_KEY_EXCH",
    ("initiator", "MM_ACTIVE"): "QM_IDLE",
    ("responder", "MM_ACTIVE"): "QM_IDLE",
}

#: the conn-id of the first SA that derived its keys (12.4T+ / IOS XE number from 1001)
FIRST_CONN_ID = 1001


def state_name(role: str, state: str) -> str:
    """The core state as IOS shows it (unknown states pass through)."""
    return STATE_NAMES.get((role, state), state)
