"""What the core needs to know about one device, as plain data.

A platform (``sim.platforms.asa``) turns device configuration text into an :class:`IkeConfig`; the core never sees
config text. Tunnel-group semantics are reduced to a table of peer keys plus an optional default-group key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .constants import NAT_T_VENDOR_IDS
from .policy import Policy


@dataclass(frozen=True)
class Retransmit:
    """Retransmission profile: resend the last message every ``interval`` s, ``retries`` times, then wait
    ``remove_after`` s more and remove the SA. ASA defaults (ike-facts.md 3.7, marked uncertain there)."""

    interval: float = 8.0
    retries: int = 3
    remove_after: float = 8.0
    resend_on_duplicate: bool = True
    #: a duplicate makes the SA resend its last message only if it has not sent it (first time, on the timer or for
    #: another duplicate) within this many seconds (None: every time)
    duplicate_holdoff: float | None = None
    #: Read by drivers, not the core: interesting traffic keeps flowing, so the initiator starts a new Main Mode
    #: this many seconds after its SA was removed (None: the traffic stopped, nothing restarts).
    reinitiate: float | None = None


@dataclass(frozen=True)
class PeerKey:
    """The key material chosen for a peer address: which group matched and its pre-shared key (None: no key)."""

    group: str
    psk: bytes | None
    via_default: bool = False


@dataclass(frozen=True)
class IkeConfig:
    """One device's IKEv1 phase-1 configuration on the interface that faces the peer."""

    address: str
    listening: bool = True
    #: why not, when ``listening`` is False: a reason code the platform chose ("ike-disabled", "no-crypto-map";
    #: :class:`sim.ike.types.Reason`), reported in the NotListening and IkeDisabled events' ``why`` field
    not_listening_because: str = ""
    policies: tuple[Policy, ...] = ()
    peers: dict[str, PeerKey] = field(default_factory=dict)
    default_peer: PeerKey | None = None
    retransmit: Retransmit = Retransmit()
    nonce_length: int = 20
    notify_no_proposal: bool = True
    #: NAT traversal (RFC 3947): announce it in MM1/MM2, send NAT-D in MM3/MM4, float to UDP 4500 when NAT is found
    nat_traversal: bool = False
    half_open_limit: int | None = 100
    #: half-open responder SAs one peer address may hold (strongSwan's block_threshold is the model; None: no limit)
    half_open_per_peer: int | None = None
    #: what the initiator does when it has no key after MM4: "abort" removes the SA at once (documented choice)
    #: the NAT-T vendor IDs MM1 announces when ``nat_traversal`` (in the platform's order); they go before the
    #: platform's own MM1 VIDs, and the responder's RFC 3947 answer before its MM2 VIDs (ASA and IOS captures)
    nat_t_vendor_ids: tuple[bytes, ...] = NAT_T_VENDOR_IDS
    #: payloads added to MM5/MM6 after ID and HASH (an ASA: the DPD VID)
    auth_extras: tuple = ()
    #: (vendor ID, payloads): payloads added to MM5/MM6 after HASH, before ``auth_extras``, only when the peer sent
    #: that vendor ID earlier in the exchange. An ASA sends its proprietary IOS keep-alive payload (type 128) to a
    #: peer that announced the Cisco IOS VID (capture: "Processing IOS/PIX Vendor ID payload" precedes "Constructing
    #: IOS keep alive payload"); a peer that does not know type 128 may drop the whole message (libreswan does).
    auth_extras_if_peer_sent: tuple = ()
    vendor_ids_mm1: tuple[bytes, ...] = ()
    vendor_ids_mm2: tuple[bytes, ...] = ()
    vendor_ids_mm3: tuple[bytes, ...] = ()
    vendor_ids_mm4: tuple[bytes, ...] = ()
    #: IOS refuses to start Main Mode toward a peer it has no pre-shared key for (ike-facts.md 2.5: no packet leaves,
    #: "No pre-shared key with <ip>!"): ``Endpoint.initiate`` then reports ``no_key_to_initiate`` and creates no SA.
    #: False (ASA): start anyway; the initiator fails after MM4, when it needs the key.
    key_required_to_initiate: bool = False
    #: IOS looks up the peer's pre-shared key while it processes MM1 ("found peer pre-shared key matching", before
    #: "Checking ISAKMP transform", ike-facts.md 4.3): with no key, its pre-share policies cannot match and MM1 is
    #: refused. False (ASA): policies match without the key; a missing key bites at MM3.
    psk_lookup_at_mm1: bool = False

    def key_for(self, peer: str) -> PeerKey | None:
        """Tunnel-group resolution: the group named by the peer's address, else the default group if it has a key."""
        if peer in self.peers:
            return self.peers[peer]
        if self.default_peer is not None and self.default_peer.psk is not None:
            return self.default_peer
        return None
