"""ISAKMP / IKEv1 Main Mode messages: build with scapy, parse strictly (ike-facts.md 1.2-1.6, 1.11).

Sans-IO: no I/O, no clock, no randomness; cookies, nonces and KE values come from the caller.

Building goes through scapy's ISAKMP layer (``scapy.layers.isakmp``; never ``scapy.all``). Parsing treats every
datagram as hostile: a strict length walker (our own, because scapy's dissection is lenient and silently reads past
bad lengths) validates the header and the whole payload chain first, then the structured payloads (SA, proposal,
transform, notification) are dissected by scapy from exact, already-validated slices. Anything wrong raises
:class:`MalformedMessage`, and nothing else.
"""

from __future__ import annotations

import functools
import ipaddress
import struct
from collections.abc import Sequence
from typing import NamedTuple

from scapy.config import conf
from scapy.fields import StrLenField
from scapy.packet import Packet, bind_layers
from scapy.layers.isakmp import (
    ISAKMP,
    ISAKMPAttributeTypes,
    ISAKMP_payload,
    ISAKMP_payload_Hash,
    ISAKMP_payload_ID,
    ISAKMP_payload_KE,
    ISAKMP_payload_Nonce,
    ISAKMP_payload_Notify,
    ISAKMP_payload_Proposal,
    ISAKMP_payload_SA,
    ISAKMP_payload_Transform,
    ISAKMP_payload_VendorID,
    _ISAKMP_class,
)

from .constants import (
    DOI_IPSEC,
    HEADER_LEN,
    ISAKMP_VERSION,
    KEY_IKE,
    NON_ESP_MARKER,
    PROTO_ISAKMP,
    SIT_IDENTITY_ONLY,
    Attr,
    Exchange,
    Flag,
    IdType,
    LifeType,
)
from .constants import Payload as PT
from .policy import Policy

__all__ = [
    "MalformedMessage",
    "Header",
    "Offer",
    "SaPayload",
    "KePayload",
    "NoncePayload",
    "IdPayload",
    "HashPayload",
    "VendorIdPayload",
    "NatDPayload",
    "NotifyPayload",
    "OtherPayload",
    "Payload",
    "Message",
    "ISAKMP_payload_NAT_D",
    "payload_summary",
    "policy_attributes",
    "policy_from_attributes",
    "build",
    "encode_payloads",
    "chain_length",
    "sa_payload",
    "id_payload",
    "notify_payload",
    "mm1_payloads",
    "mm2_payloads",
    "ke_nonce_payloads",
    "auth_payloads",
    "build_mm1",
    "build_mm2",
    "build_ke_nonce",
    "id_body",
    "build_auth_chain",
    "build_encrypted",
    "build_notify",
    "parse",
    "parse_chain",
    "marker_strip",
    "marker_add",
]

#: Largest datagram we accept: the largest UDP payload over IPv4 (65535 - 20 IP - 8 UDP).
MAX_DATAGRAM = 65507
#: Trailing bytes tolerated after a decrypted payload chain: RFC 2409 pads to the block size (< 16), racoon may add
#: one more whole block, so anything of 32 bytes or more is not padding.
MAX_PADDING = 31
#: RFC 2409 gives no default ISAKMP SA lifetime; RFC 2407 4.5 uses 28800 s when life attributes are absent.
DEFAULT_LIFETIME = 28800


class MalformedMessage(ValueError):
    """A datagram (or decrypted payload chain) that is not a well-formed ISAKMP message; ``str()`` says why."""


# ---------------------------------------------------------------------------------------------------------------
# scapy: the NAT-D payload (RFC 3947, type 20) scapy 2.8.0 lacks
# ---------------------------------------------------------------------------------------------------------------


class ISAKMP_payload_NAT_D(ISAKMP_payload):
    """NAT-Discovery payload (RFC 3947 section 3.2): generic header + HASH(CKY-I | CKY-R | IP | port)."""

    name = "ISAKMP NAT-D"
    fields_desc = ISAKMP_payload.fields_desc[:3] + [StrLenField("hash", b"", length_from=lambda x: x.length - 4)]


# Bound on the common base class, as scapy binds its own payloads, so both the header and any payload dissect
# a following type-20 payload as NAT-D, and stacking sets the previous next_payload to 20.
bind_layers(_ISAKMP_class, ISAKMP_payload_NAT_D, next_payload=int(PT.NAT_D))


# ---------------------------------------------------------------------------------------------------------------
# Data model
# ---------------------------------------------------------------------------------------------------------------


class Header(NamedTuple):
    icookie: bytes
    rcookie: bytes
    next_payload: int
    version: int
    exchange: int
    flags: int
    message_id: int
    length: int

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & Flag.ENCRYPTION)


class Offer(NamedTuple):
    """One transform as received."""

    number: int  # transform number as on the wire
    attributes: dict[int, int]  # attribute class -> value (TLV values decoded to int)
    policy: Policy | None  # None when not something we support (group 19, AES without key length, PRF, ...)


class SaPayload(NamedTuple):
    body: bytes  # SA payload minus its 4-byte generic header (SAi_b)
    offers: tuple[Offer, ...]


class KePayload(NamedTuple):
    data: bytes


class NoncePayload(NamedTuple):
    data: bytes


class IdPayload(NamedTuple):
    id_type: int
    protocol: int
    port: int
    data: bytes
    body: bytes  # payload minus generic header (IDii_b / IDir_b)


class HashPayload(NamedTuple):
    data: bytes


class VendorIdPayload(NamedTuple):
    data: bytes


class NatDPayload(NamedTuple):
    data: bytes


class NotifyPayload(NamedTuple):
    doi: int
    protocol: int
    notify_type: int
    spi: bytes
    data: bytes


class OtherPayload(NamedTuple):
    payload_type: int
    body: bytes


Payload = (
    SaPayload
    | KePayload
    | NoncePayload
    | IdPayload
    | HashPayload
    | VendorIdPayload
    | NatDPayload
    | NotifyPayload
    | OtherPayload
)

# Cisco decode-line names ("HDR + SA (1) + VENDOR (13) + NONE (0)").
PAYLOAD_NAMES: dict[int, str] = {
    0: "NONE",
    1: "SA",
    2: "PROPOSAL",
    3: "TRANSFORM",
    4: "KE",
    5: "ID",
    6: "CERT",
    7: "CERT_REQ",
    8: "HASH",
    9: "SIG",
    10: "NONCE",
    11: "NOTIFY",
    12: "DELETE",
    13: "VENDOR",
    20: "NAT-D",
    21: "NAT-OA",
    128: "IOS KEEPALIVE",
    130: "NAT-D",
    131: "NAT-OA",
}

_KIND_TYPES: dict[type, int] = {
    SaPayload: PT.SA,
    KePayload: PT.KE,
    NoncePayload: PT.NONCE,
    IdPayload: PT.ID,
    HashPayload: PT.HASH,
    VendorIdPayload: PT.VENDOR_ID,
    NatDPayload: PT.NAT_D,
    NotifyPayload: PT.NOTIFICATION,
}


def payload_type(payload: Payload) -> int:
    """The ISAKMP payload type number of one of our payload objects."""
    if isinstance(payload, OtherPayload):
        return payload.payload_type
    return int(_KIND_TYPES[type(payload)])


def payload_summary(payloads: Sequence[Payload]) -> str:
    """Cisco decode style: ``HDR + KE (4) + NONCE (10) + VENDOR (13) + NONE (0)``."""
    parts = ["HDR"]
    for p in payloads:
        t = payload_type(p)
        parts.append(f"{PAYLOAD_NAMES.get(t, 'UNKNOWN')} ({t})")
    parts.append("NONE (0)")
    return " + ".join(parts)


class Message(NamedTuple):
    header: Header
    payloads: tuple[Payload, ...]  # empty when encrypted
    encrypted_body: bytes | None  # the bytes after the header when the E flag is set
    raw: bytes

    def first(self, kind: type) -> Payload | None:
        """The first payload of that class, or None."""
        return next((p for p in self.payloads if isinstance(p, kind)), None)

    def all(self, kind: type) -> tuple:
        """All payloads of that class, in order."""
        return tuple(p for p in self.payloads if isinstance(p, kind))

    @property
    def summary(self) -> str:
        """``HDR + SA (1) + VENDOR (13) + NONE (0)``; ``HDR + ENCRYPTED`` for an encrypted message (decrypt it and
        use :func:`payload_summary` on the :func:`parse_chain` result for the Cisco line)."""
        if self.encrypted_body is not None:
            return "HDR + ENCRYPTED"
        return payload_summary(self.payloads)


# ---------------------------------------------------------------------------------------------------------------
# Transform attributes <-> Policy
# ---------------------------------------------------------------------------------------------------------------

# scapy attribute name <-> class number, from scapy's own table.
_ATTR_NAME_TO_NUM: dict[str, int] = {name: spec[0] for name, spec in ISAKMPAttributeTypes.items()}
_POLICY_ATTRS = {Attr.ENCRYPTION, Attr.HASH, Attr.AUTH, Attr.GROUP, Attr.LIFE_TYPE, Attr.LIFE_DURATION, Attr.KEY_LENGTH}


def policy_attributes(policy: Policy) -> list[tuple[str, int]]:
    """The scapy transform attributes for one policy.

    Order: Encryption, KeyLength (AES only), Hash, GroupDesc, Authentication, LifeType (seconds), LifeDuration. This
    is the order of the MM1 example in ike-facts.md 1.11 (group before authentication). LifeDuration goes out as
    Cisco encodes it (:func:`_attribute_bytes`): TV when <= 0xFFFF, otherwise a 4-byte TLV (86400 ->
    ``000c 0004 00015180``; scapy's minimal ``000c 0003 015180`` is parsed too).
    """
    attrs: list[tuple[str, int]] = [("Encryption", int(policy.encryption))]
    if policy.key_length is not None:
        attrs.append(("KeyLength", int(policy.key_length)))
    attrs += [
        ("Hash", int(policy.hash)),
        ("GroupDesc", int(policy.group)),
        ("Authentication", int(policy.auth)),
        ("LifeType", int(LifeType.SECONDS)),
        ("LifeDuration", int(policy.lifetime)),
    ]
    return attrs


def policy_from_attributes(attrs: dict[int, int]) -> Policy | None:
    """The Policy a transform's attributes describe, or None if we do not support it.

    Unsupported: a missing encryption/hash/auth/group, any attribute class outside the ones a Policy carries (PRF,
    group type/prime, ...), life in kilobytes, a life type without duration or vice versa, and anything Policy rejects
    (AES without key length, 3DES with one, group 19, lifetime 0). No life attributes -> 28800 s (RFC 2407 4.5).
    """
    if any(k not in _POLICY_ATTRS for k in attrs):
        return None
    try:
        enc, hsh, auth, group = (attrs[Attr.ENCRYPTION], attrs[Attr.HASH], attrs[Attr.AUTH], attrs[Attr.GROUP])
    except KeyError:
        return None
    life_type = attrs.get(Attr.LIFE_TYPE)
    duration = attrs.get(Attr.LIFE_DURATION)
    if life_type is None and duration is None:
        lifetime = DEFAULT_LIFETIME
    elif life_type == LifeType.SECONDS and duration is not None:
        lifetime = duration
    else:
        return None
    try:
        return Policy(
            encryption=enc,
            key_length=attrs.get(Attr.KEY_LENGTH),
            hash=hsh,
            auth=auth,
            group=group,
            lifetime=lifetime,
        )
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------------------------


def _cookie(value: bytes, what: str) -> bytes:
    value = bytes(value)
    if len(value) != 8:
        raise ValueError(f"{what} must be 8 bytes, got {len(value)}")
    return value


def _header(icookie: bytes, rcookie: bytes, next_payload: int, exchange: int, flags: int, message_id: int) -> ISAKMP:
    return ISAKMP(
        init_cookie=_cookie(icookie, "initiator cookie"),
        resp_cookie=_cookie(rcookie, "responder cookie"),
        next_payload=next_payload,
        version=ISAKMP_VERSION,
        exch_type=exchange,
        flags=flags,
        id=message_id,
    )


def _check_body(data: bytes, what: str, fixed: int = 0) -> bytes:
    data = bytes(data)
    if len(data) + 4 + fixed > 0xFFFF:
        raise ValueError(f"{what} too long for one payload ({len(data)} bytes)")
    return data


def _id_packet(id_type: int, protocol: int, port: int, data: bytes) -> tuple[int, Packet]:
    data = _check_body(data, "ID data", 4)
    if id_type == IdType.IPV4_ADDR and len(data) != 4:
        # scapy's ID class models type 1 as a 4-byte IPField; anything else goes out as a generic payload.
        return PT.ID, ISAKMP_payload(load=struct.pack("!BBH", id_type, protocol, port) + data)
    ident = str(ipaddress.IPv4Address(data)) if id_type == IdType.IPV4_ADDR else data
    return PT.ID, ISAKMP_payload_ID(IDtype=id_type, ProtoID=protocol, Port=port, IdentData=ident)


def _payload_packet(payload: Payload) -> tuple[int, Packet]:
    """(payload type, scapy packet without next_payload) for one of our payload objects."""
    if isinstance(payload, VendorIdPayload):
        return PT.VENDOR_ID, ISAKMP_payload_VendorID(VendorID=_check_body(payload.data, "vendor ID"))
    if isinstance(payload, NatDPayload):
        return PT.NAT_D, ISAKMP_payload_NAT_D(hash=_check_body(payload.data, "NAT-D"))
    if isinstance(payload, HashPayload):
        return PT.HASH, ISAKMP_payload_Hash(hash=_check_body(payload.data, "hash"))
    if isinstance(payload, KePayload):
        return PT.KE, ISAKMP_payload_KE(ke=_check_body(payload.data, "KE"))
    if isinstance(payload, NoncePayload):
        return PT.NONCE, ISAKMP_payload_Nonce(nonce=_check_body(payload.data, "nonce"))
    if isinstance(payload, NotifyPayload):
        return PT.NOTIFICATION, ISAKMP_payload_Notify(
            doi=payload.doi,
            proto=payload.protocol,
            notify_msg_type=payload.notify_type,
            SPI=_check_body(payload.spi, "SPI", 8),
            notify_data=_check_body(payload.data, "notify data", 8 + len(payload.spi)),
        )
    if isinstance(payload, IdPayload):
        return _id_packet(payload.id_type, payload.protocol, payload.port, payload.data)
    if isinstance(payload, SaPayload):
        return PT.SA, ISAKMP_payload(load=_check_body(payload.body, "SA"))
    if isinstance(payload, OtherPayload):
        if not 0 < payload.payload_type <= 0xFF:
            raise ValueError(f"bad payload type {payload.payload_type}")
        return payload.payload_type, ISAKMP_payload(load=_check_body(payload.body, "payload"))
    raise TypeError(f"not a payload: {payload!r}")


def _encode(items: Sequence[tuple[int, Packet]]) -> tuple[int, bytes]:
    """Encode payloads one by one and join them: each scapy packet gets its ``next_payload`` set explicitly and is
    built on its own (stacking with ``/`` would copy whole packet trees for every payload). Returns (type of the
    first payload, the bytes of the chain)."""
    if not items:
        return 0, b""
    parts = []
    for index, (_, pkt) in enumerate(items):
        pkt.next_payload = int(items[index + 1][0]) if index + 1 < len(items) else 0
        parts.append(bytes(pkt))
    return int(items[0][0]), b"".join(parts)


def _message(header: ISAKMP, items: Sequence[tuple[int, Packet]]) -> bytes:
    first, body = _encode(items)
    return _with_header(header, first, body)


def _with_header(header: ISAKMP, first: int, body: bytes) -> bytes:
    header.next_payload = first
    header.length = HEADER_LEN + len(body)
    if header.length > MAX_DATAGRAM:
        raise ValueError(f"message too long ({header.length} bytes)")
    return bytes(header) + body


def _transform_packets(offers: Sequence[tuple[int, Policy]]) -> list[tuple[int, Packet]]:
    if not 0 < len(offers) <= 0xFF:
        raise ValueError(f"need 1..255 transforms, got {len(offers)}")
    transforms = []
    for number, policy in offers:
        if not 0 <= number <= 0xFF:
            raise ValueError(f"bad transform number {number}")
        body = bytes((number, KEY_IKE, 0, 0)) + b"".join(
            _attribute_bytes(_ATTR_NAME_TO_NUM[name], value) for name, value in policy_attributes(policy))
        transforms.append((PT.TRANSFORM, ISAKMP_payload(load=body)))
    return transforms


def _attribute_bytes(kind: int, value: int) -> bytes:
    """One data attribute as a Cisco box encodes it (RFC 2408 3.3): TV when the value fits 16 bits, else a TLV with
    a 4-byte value (8 bytes beyond 32 bits). Cisco's LifeDuration 86400 is ``000c 0004 00015180`` (ike-scan
    against ASAs shows ``LifeDuration(4)``; the tunnelsup MM1, 172 bytes for one AES transform and four VIDs, only
    adds up with it); scapy would write the minimal 3-byte TLV."""
    if 0 <= value <= 0xFFFF:
        return struct.pack("!HH", 0x8000 | kind, value)
    size = 4 if value <= 0xFFFFFFFF else 8
    return struct.pack("!HH", kind, size) + value.to_bytes(size, "big")


def sa_payload(offers: Sequence[tuple[int, Policy]]) -> SaPayload:
    """The SA payload for ``offers`` (cached: the same offers always build the same bytes)."""
    return _sa_payload(tuple((int(n), p) for n, p in offers))


@functools.lru_cache(maxsize=256)
def _sa_payload(offers: tuple[tuple[int, Policy], ...]) -> SaPayload:
    """The SA payload (DOI IPsec, SIT_IDENTITY_ONLY, one proposal #1 for PROTO_ISAKMP without SPI) carrying one
    transform per ``(transform number, policy)``, built with scapy; ``body`` is what HASH_I/HASH_R cover (SAi_b)."""
    _, transforms = _encode(_transform_packets(offers))
    proposal = ISAKMP_payload_Proposal(next_payload=0, proposal=1, proto=PROTO_ISAKMP, SPI=b"", trans_nb=len(offers),
                                       trans=conf.raw_layer(load=transforms))
    sa = ISAKMP_payload_SA(doi=DOI_IPSEC, situation=SIT_IDENTITY_ONLY, prop=proposal)
    sa.next_payload = 0
    body = bytes(sa)[4:]
    described = []
    for number, policy in offers:
        attrs = {_ATTR_NAME_TO_NUM[name]: value for name, value in policy_attributes(policy)}
        described.append(Offer(number, attrs, policy_from_attributes(attrs)))  # as a receiver parses it
    described = tuple(described)
    return SaPayload(body=body, offers=described)


def id_payload(id_type: int, protocol: int, port: int, data: bytes) -> IdPayload:
    """An ID payload record (RFC 2407 4.6.2); ``body`` is IDii_b / IDir_b."""
    return IdPayload(id_type=id_type, protocol=protocol, port=port, data=bytes(data),
                     body=id_body(id_type, protocol, port, data))


def encode_payloads(payloads: Sequence[Payload]) -> tuple[int, bytes]:
    """(type of the first payload, wire bytes of the chain) for our payload records; no header, no padding."""
    return _encode([_payload_packet(p) for p in payloads])


def build(icookie: bytes, rcookie: bytes, payloads: Sequence[Payload], exchange: int = Exchange.IDENTITY_PROTECTION,
          message_id: int = 0) -> bytes:
    """A clear ISAKMP message: header (flags 0) and the payload chain."""
    header = _header(icookie, rcookie, 0, exchange, 0, message_id)
    first, body = encode_payloads(payloads)
    return _with_header(header, first, body)


def chain_length(payloads: Sequence[Payload]) -> int:
    """Bytes of a payload chain without padding: what a Cisco decode line adds to the 28-byte header."""
    return sum(4 + _body_length(p) for p in payloads)


def _body_length(payload: Payload) -> int:
    if isinstance(payload, SaPayload):
        return len(payload.body)
    if isinstance(payload, IdPayload):
        return len(payload.body)
    if isinstance(payload, NotifyPayload):
        return 8 + len(payload.spi) + len(payload.data)
    if isinstance(payload, OtherPayload):
        return len(payload.body)
    return len(payload.data)


def _vids(vendor_ids: Sequence[bytes]) -> list[VendorIdPayload]:
    return [VendorIdPayload(bytes(v)) for v in vendor_ids]


def mm1_payloads(offers: Sequence[Policy], vendor_ids: Sequence[bytes] = ()) -> list[Payload]:
    """MM1: SA (one proposal #1, PROTO_ISAKMP, no SPI, transforms 1..n, KEY_IKE), VIDs."""
    return [sa_payload(list(enumerate(offers, start=1)))] + _vids(vendor_ids)


def mm2_payloads(chosen: Policy, transform_number: int, vendor_ids: Sequence[bytes] = ()) -> list[Payload]:
    """MM2: SA (one proposal with exactly the chosen transform, numbered as offered), VIDs."""
    return [sa_payload([(transform_number, chosen)])] + _vids(vendor_ids)


def ke_nonce_payloads(ke: bytes, nonce: bytes, vendor_ids: Sequence[bytes] = (),
                      nat_d: Sequence[bytes] = ()) -> list[Payload]:
    """MM3 / MM4: KE, NONCE, VIDs..., NAT-D... (type 20)."""
    return ([KePayload(bytes(ke)), NoncePayload(bytes(nonce))] + _vids(vendor_ids)
            + [NatDPayload(bytes(h)) for h in nat_d])


def build_mm1(icookie: bytes, offers: Sequence[Policy], vendor_ids: Sequence[bytes] = ()) -> bytes:
    return build(icookie, bytes(8), mm1_payloads(offers, vendor_ids))


def build_mm2(
    icookie: bytes, rcookie: bytes, chosen: Policy, transform_number: int, vendor_ids: Sequence[bytes] = ()
) -> bytes:
    return build(icookie, rcookie, mm2_payloads(chosen, transform_number, vendor_ids))


def build_ke_nonce(
    icookie: bytes,
    rcookie: bytes,
    ke: bytes,
    nonce: bytes,
    vendor_ids: Sequence[bytes] = (),
    nat_d: Sequence[bytes] = (),
) -> bytes:
    return build(icookie, rcookie, ke_nonce_payloads(ke, nonce, vendor_ids, nat_d))


@functools.lru_cache(maxsize=256)
def id_body(id_type: int, protocol: int, port: int, data: bytes) -> bytes:
    """The ID payload without its generic header (IDii_b / IDir_b, what HASH_I / HASH_R cover); cached, as a device
    sends the same identity in every exchange."""
    _, pkt = _id_packet(id_type, protocol, port, data)
    pkt.next_payload = 0
    return bytes(pkt)[4:]


def auth_payloads(id_type: int, protocol: int, port: int, id_data: bytes, hash_value: bytes,
                  extra: Sequence[Payload] = ()) -> list[Payload]:
    """The MM5 / MM6 payloads: ID, HASH, then any extra payloads."""
    return [id_payload(id_type, protocol, port, id_data), HashPayload(bytes(hash_value))] + list(extra)


def build_auth_chain(
    id_type: int, protocol: int, port: int, id_data: bytes, hash_value: bytes, extra: Sequence[Payload] = ()
) -> bytes:
    """The MM5 / MM6 plaintext: ID, HASH, then any extra payloads; no header, not padded."""
    return encode_payloads(auth_payloads(id_type, protocol, port, id_data, hash_value, extra))[1]


def build_encrypted(
    icookie: bytes,
    rcookie: bytes,
    first_payload: int,
    ciphertext: bytes,
    exchange: int = Exchange.IDENTITY_PROTECTION,
    message_id: int = 0,
) -> bytes:
    """HDR* + ciphertext: E flag set, next_payload = first_payload (scapy does not fill it), length 28 + len."""
    header = _header(icookie, rcookie, first_payload, exchange, Flag.ENCRYPTION, message_id)
    return _with_header(header, first_payload, bytes(ciphertext))


def notify_payload(icookie: bytes, rcookie: bytes, notify_type: int, data: bytes = b"") -> NotifyPayload:
    """A notification for an ISAKMP SA: DOI 1, protocol ISAKMP, SPI = the 16-byte cookie pair (RFC 2408 3.14)."""
    spi = _cookie(icookie, "initiator cookie") + _cookie(rcookie, "responder cookie")
    return NotifyPayload(doi=DOI_IPSEC, protocol=PROTO_ISAKMP, notify_type=notify_type, spi=spi, data=bytes(data))


def build_notify(icookie: bytes, rcookie: bytes, notify_type: int, message_id: int, data: bytes = b"") -> bytes:
    """An unencrypted informational exchange (type 5) with one notification: DOI 1, protocol ISAKMP, SPI = the
    16-byte cookie pair (RFC 2408 3.14 / 2.4 for an ISAKMP SA)."""
    return build(icookie, rcookie, [notify_payload(icookie, rcookie, notify_type, data)], Exchange.INFORMATIONAL,
                 message_id)


def marker_add(datagram: bytes) -> bytes:
    """Prefix the 4-byte non-ESP marker (UDP 4500)."""
    return NON_ESP_MARKER + bytes(datagram)


def marker_strip(datagram: bytes) -> bytes:
    """Remove the non-ESP marker of a UDP 4500 IKE datagram; MalformedMessage if it is absent."""
    datagram = _as_bytes(datagram)
    if len(datagram) < 4 or datagram[:4] != NON_ESP_MARKER:
        raise MalformedMessage("missing non-ESP marker")
    return datagram[4:]


# ---------------------------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------------------------


def _as_bytes(data: object) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise MalformedMessage(f"not bytes: {type(data).__name__}")


def _dissect(cls: type[Packet], data: bytes) -> Packet:
    """scapy dissection of an already length-validated slice; any scapy surprise becomes MalformedMessage."""
    try:
        return cls(data)
    except Exception as exc:  # noqa: BLE001 - untrusted input: nothing but MalformedMessage may escape
        raise MalformedMessage(f"{cls.__name__} does not dissect: {type(exc).__name__}") from None


def _generic_headers(
    data: bytes, first: int, allowed: frozenset[int], what: str
) -> tuple[list[tuple[int, bytes]], int]:
    """Walk a chain of generic-header structures (payloads, proposals or transforms) starting with type ``first``.

    Returns ([(type, the structure's bytes incl. its generic header)], offset where the chain ended at type 0).
    """
    out: list[tuple[int, bytes]] = []
    offset = 0
    current = first
    while current != 0:
        if current not in allowed:
            raise MalformedMessage(f"unexpected {what} type {current}")
        if len(data) - offset < 4:
            raise MalformedMessage(f"truncated {what} header")
        nxt, reserved, length = struct.unpack_from("!BBH", data, offset)
        if reserved != 0:
            raise MalformedMessage(f"{what} reserved byte is {reserved}, not 0")
        if length < 4:
            raise MalformedMessage(f"{what} length {length} < 4")
        if offset + length > len(data):
            raise MalformedMessage(f"{what} length {length} overruns the data ({len(data) - offset} left)")
        out.append((current, data[offset : offset + length]))
        offset += length
        current = nxt
    return out, offset


_TOP_LEVEL_TYPES = frozenset({1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 20, 21} | set(range(128, 256)))


def _attributes(data: bytes) -> dict[int, int]:
    """Validate and decode transform attributes (RFC 2408 3.3): TV (AF=1) and TLV (AF=0) forms."""
    attrs: dict[int, int] = {}
    offset = 0
    while offset < len(data):
        if len(data) - offset < 4:
            raise MalformedMessage("truncated transform attribute")
        kind, word = struct.unpack_from("!HH", data, offset)
        if kind & 0x8000:
            attrs[kind & 0x7FFF] = word
            offset += 4
            continue
        if offset + 4 + word > len(data):
            raise MalformedMessage(f"attribute {kind} length {word} overruns the transform")
        if kind == Attr.LIFE_DURATION and not 1 <= word <= 8:
            raise MalformedMessage(f"life duration length {word} not in 1..8")
        attrs[kind] = int.from_bytes(data[offset + 4 : offset + 4 + word], "big")
        offset += 4 + word
    return attrs


def _attributes_via_scapy(transform: bytes) -> dict[int, int]:
    """The same attributes as scapy decodes them (name/label -> numbers again)."""
    pkt = _dissect(ISAKMP_payload_Transform, transform)
    attrs: dict[int, int] = {}
    try:
        for name, value in pkt.transforms or []:
            num = _ATTR_NAME_TO_NUM[name] if isinstance(name, str) else int(name)
            if isinstance(value, str):
                value = ISAKMPAttributeTypes[name][1][value]
            attrs[num] = int(value)
    except (KeyError, TypeError, ValueError):  # pragma: no cover - scapy table surprise
        raise MalformedMessage("transform attributes do not decode") from None
    return attrs


def _parse_sa(body: bytes) -> SaPayload:
    if len(body) < 8:
        raise MalformedMessage("SA payload shorter than DOI + situation")
    proposals, end = _generic_headers(body[8:], PT.PROPOSAL, frozenset({PT.PROPOSAL}), "proposal")
    if not proposals:
        raise MalformedMessage("SA payload without proposals")
    if end != len(body) - 8:
        raise MalformedMessage("bytes after the last proposal in the SA payload")
    offers: list[Offer] = []
    for _, prop in proposals:
        if len(prop) < 8:
            raise MalformedMessage(f"proposal length {len(prop)} < 8")
        _, proto, spi_size, trans_nb = struct.unpack_from("!BBBB", prop, 4)
        if 8 + spi_size > len(prop):
            raise MalformedMessage(f"proposal SPI size {spi_size} overruns the proposal")
        transforms, tend = _generic_headers(prop[8 + spi_size :], PT.TRANSFORM, frozenset({PT.TRANSFORM}), "transform")
        if not transforms:
            raise MalformedMessage("proposal without transforms")
        if tend != len(prop) - 8 - spi_size:
            raise MalformedMessage("bytes after the last transform in a proposal")
        if trans_nb != len(transforms):
            raise MalformedMessage(f"proposal says {trans_nb} transforms, carries {len(transforms)}")
        for _, tr in transforms:
            if len(tr) < 8:
                raise MalformedMessage(f"transform length {len(tr)} < 8")
            attrs = _attributes(tr[8:])
            number, transform_id = tr[4], tr[5]
            # scapy decodes the same bytes; having validated them, it must agree with our walk.
            if _attributes_via_scapy(tr) != attrs:
                raise MalformedMessage("transform attributes do not decode consistently")
            supported = proto == PROTO_ISAKMP and transform_id == KEY_IKE
            offers.append(Offer(number, attrs, policy_from_attributes(attrs) if supported else None))
    return SaPayload(body=body, offers=tuple(offers))


def _decode(ptype: int, payload: bytes) -> Payload:
    """One validated payload (generic header included) -> our object."""
    body = payload[4:]
    if ptype == PT.SA:
        return _parse_sa(body)
    if ptype == PT.ID:
        if len(body) < 4:
            raise MalformedMessage(f"ID payload length {len(payload)} < 8")
        id_type, protocol, port = struct.unpack_from("!BBH", body, 0)
        return IdPayload(id_type=id_type, protocol=protocol, port=port, data=body[4:], body=body)
    if ptype == PT.NOTIFICATION:
        if len(body) < 8:
            raise MalformedMessage(f"notification payload length {len(payload)} < 12")
        spi_size = body[5]
        if 8 + spi_size > len(body):
            raise MalformedMessage(f"notification SPI size {spi_size} overruns the payload")
        pkt = _dissect(ISAKMP_payload_Notify, payload)
        return NotifyPayload(
            doi=int(pkt.doi),
            protocol=int(pkt.proto),
            notify_type=int(pkt.notify_msg_type),
            spi=bytes(pkt.SPI),
            data=bytes(pkt.notify_data),
        )
    if ptype == PT.KE:
        return KePayload(body)
    if ptype == PT.NONCE:
        return NoncePayload(body)
    if ptype == PT.HASH:
        return HashPayload(body)
    if ptype == PT.VENDOR_ID:
        return VendorIdPayload(body)
    if ptype == PT.NAT_D:
        return NatDPayload(body)
    return OtherPayload(ptype, body)


#: zero bytes a clear message may carry after its payload chain: libreswan (ikepad=yes, its default) pads clear
#: IKEv1 messages to a multiple of 4 bytes, which RFC 2408 allows
CLEAR_PADDING = 3


def _walk(first: int, data: bytes, max_trailing: int, zero_pad: bool = False) -> tuple[Payload, ...]:
    chunks, end = _generic_headers(data, first, _TOP_LEVEL_TYPES, "payload")
    trailing = len(data) - end
    if trailing > max_trailing:
        raise MalformedMessage(f"{trailing} bytes after the payload chain")
    if zero_pad and any(data[end:]):
        raise MalformedMessage("non-zero bytes after the payload chain")
    return tuple(_decode(ptype, chunk) for ptype, chunk in chunks)


def parse_chain(first_payload: int, data: bytes) -> tuple[Payload, ...]:
    """Parse a decrypted payload chain (MM5/MM6 body) starting with type ``first_payload``.

    Trailing bytes after the last payload are padding (at most 31: a block plus racoon's extra block). Garbage, as
    from decrypting with the wrong key, is rejected with overwhelming probability: reserved bytes must be 0, every
    length must fit, payload types must be known or private, ID payloads are at least 8 bytes.
    """
    data = _as_bytes(data)
    if first_payload == 0:
        raise MalformedMessage("empty payload chain")
    return _walk(first_payload, data, MAX_PADDING)


def parse(datagram: bytes) -> Message:
    """Parse one ISAKMP datagram (without non-ESP marker). Raises MalformedMessage and nothing else."""
    datagram = _as_bytes(datagram)
    if len(datagram) < HEADER_LEN:
        raise MalformedMessage(f"truncated: {len(datagram)} bytes < {HEADER_LEN}-byte header")
    if len(datagram) > MAX_DATAGRAM:
        raise MalformedMessage(f"oversized: {len(datagram)} bytes")
    icookie, rcookie, next_payload, version, exchange, flags, message_id, length = struct.unpack_from(
        "!8s8sBBBBII", datagram, 0
    )
    if version != ISAKMP_VERSION:
        raise MalformedMessage(f"bad version 0x{version:02x}")
    if length != len(datagram):
        raise MalformedMessage(f"header length {length} != datagram length {len(datagram)}")
    hdr = _dissect(ISAKMP, datagram[:HEADER_LEN])
    header = Header(
        icookie=bytes(hdr.init_cookie),
        rcookie=bytes(hdr.resp_cookie),
        next_payload=int(hdr.next_payload),
        version=int(hdr.version),
        exchange=int(hdr.exch_type),
        flags=int(hdr.flags),
        message_id=int(hdr.id),
        length=int(hdr.length),
    )
    if (header.icookie, header.rcookie, header.next_payload, header.flags) != (
        icookie,
        rcookie,
        next_payload,
        flags,
    ):  # pragma: no cover - scapy sanity
        raise MalformedMessage("header does not dissect")
    body = datagram[HEADER_LEN:]
    if header.encrypted:
        if not body:
            raise MalformedMessage("encrypted message without a body")
        return Message(header=header, payloads=(), encrypted_body=body, raw=datagram)
    payloads = _walk(next_payload, body, CLEAR_PADDING, zero_pad=True)
    return Message(header=header, payloads=payloads, encrypted_body=None, raw=datagram)
