"""Protocol numbers from RFC 2408 / 2407 / 2409 / 3947 (ike-facts.md section 1)."""

from __future__ import annotations

from enum import IntEnum

ISAKMP_VERSION = 0x10
IKE_PORT = 500
NAT_T_PORT = 4500
NON_ESP_MARKER = b"\x00\x00\x00\x00"
HEADER_LEN = 28


class Exchange(IntEnum):
    NONE = 0
    BASE = 1
    IDENTITY_PROTECTION = 2  # Main Mode
    AUTH_ONLY = 3
    AGGRESSIVE = 4
    INFORMATIONAL = 5
    QUICK = 32


class Flag(IntEnum):
    ENCRYPTION = 0x01
    COMMIT = 0x02
    AUTH_ONLY = 0x04


class Payload(IntEnum):
    NONE = 0
    SA = 1
    PROPOSAL = 2
    TRANSFORM = 3
    KE = 4
    ID = 5
    CERT = 6
    CR = 7
    HASH = 8
    SIG = 9
    NONCE = 10
    NOTIFICATION = 11
    DELETE = 12
    VENDOR_ID = 13
    NAT_D = 20
    NAT_OA = 21


# Phase-1 attribute classes (RFC 2409 appendix A)
class Attr(IntEnum):
    ENCRYPTION = 1
    HASH = 2
    AUTH = 3
    GROUP = 4
    GROUP_TYPE = 5
    LIFE_TYPE = 11
    LIFE_DURATION = 12
    PRF = 13
    KEY_LENGTH = 14


class Encryption(IntEnum):
    DES_CBC = 1
    TRIPLE_DES_CBC = 5
    AES_CBC = 7


class Hash(IntEnum):
    MD5 = 1
    SHA1 = 2
    SHA2_256 = 4
    SHA2_384 = 5
    SHA2_512 = 6


class Auth(IntEnum):
    PRE_SHARED_KEY = 1
    DSS_SIG = 2
    RSA_SIG = 3
    RSA_ENC = 4
    REVISED_RSA_ENC = 5


class LifeType(IntEnum):
    SECONDS = 1
    KILOBYTES = 2


DOI_IPSEC = 1
SIT_IDENTITY_ONLY = 1
PROTO_ISAKMP = 1
KEY_IKE = 1


class IdType(IntEnum):
    IPV4_ADDR = 1
    FQDN = 2
    USER_FQDN = 3
    IPV4_ADDR_SUBNET = 4
    KEY_ID = 11


class Notify(IntEnum):
    INVALID_PAYLOAD_TYPE = 1
    INVALID_COOKIE = 4
    NO_PROPOSAL_CHOSEN = 14
    PAYLOAD_MALFORMED = 16
    INVALID_KEY_INFORMATION = 17
    INVALID_ID_INFORMATION = 18
    INVALID_HASH_INFORMATION = 23
    AUTHENTICATION_FAILED = 24
    INITIAL_CONTACT = 24578


# Vendor IDs (ike-facts.md 1.5); MD5 values recomputed there.
VID_NAT_T_RFC3947 = bytes.fromhex("4a131c81070358455c5728f20e95452f")
VID_NAT_T_DRAFT_03 = bytes.fromhex("7d9419a65310ca6f2c179d9215529d56")
VID_NAT_T_DRAFT_02N = bytes.fromhex("90cb80913ebb696e086381b5ec427b1f")
VID_NAT_T_DRAFT_02 = bytes.fromhex("cd60464335df21f87cfdb2fc68b6a448")
VID_DPD = bytes.fromhex("afcad71368a1f1c96b8696fc77570100")
VID_XAUTH = bytes.fromhex("09002689dfd6b712")
VID_CISCO_UNITY = bytes.fromhex("12f5f28c457168a9702d9fe274cc0100")
VID_CISCO_FRAGMENTATION = bytes.fromhex("4048b7d56ebce88525e7de7f00d6c2d3") + bytes.fromhex("c0000000")
#: MD5("draft-ietf-ipsec-nat-t-ike-07") (recomputed; ike-scan's ike-vendor-ids lists the same value)
VID_NAT_T_DRAFT_07 = bytes.fromhex("439b59f8ba676c4c7737ae22eab8f582")
#: The Cisco IOS vendor ID ("Maybe Cisco IOS" in ike-scan's ike-vendor-ids, "Cisco IOS" in Nessus' ike table); an
#: ASA sends it as "ASA spoofing IOS" (tunnelsup capture, real-captures.md). Its 16 bytes make the captured MM3
#: length (256 with a group-2 KE and a 20-byte nonce) come out exactly.
VID_CISCO_IOS = bytes.fromhex("bdb41038a7ec5e5534dd004d0f91f927")
#: Altiga/Cisco VPN3000/Cisco ASA GW: MD5("ALTIGA GATEWAY") truncated to 14 bytes + version 1.0 (ike-scan's
#: ike-vendor-ids documents the construction; an ASA answering ike-scan shows ...2a500100)
VID_ALTIGA_GW = bytes.fromhex("1f07f70eaa6514d3b0fa96542a500100")
#: Cisco's proprietary IOS keep-alive payload (a private-use payload type, RFC 2408 3.1), sent by an ASA in MM5/MM6
IOS_KEEPALIVE_PAYLOAD = 128
#: its body: the keep-alive proposal, two 32-bit seconds values (ASA: "proposal=32767/32767 sec."). The layout is
#: inferred from the capture's MM5 length (96 = 28 + ID 12 + HASH 24 + keep-alive 4+8 + DPD VID 20), not documented.
IOS_KEEPALIVE_PROPOSAL = (32767, 32767)

#: what a NAT-T capable initiator announces in MM1, newest first (ike-facts.md 1.6)
NAT_T_VENDOR_IDS = (VID_NAT_T_RFC3947, VID_NAT_T_DRAFT_03, VID_NAT_T_DRAFT_02N)


def ios_keepalive_body(proposal: tuple[int, int] = IOS_KEEPALIVE_PROPOSAL) -> bytes:
    """The body of an IOS keep-alive payload (type 128) proposing ``proposal`` seconds."""
    return b"".join(int(v).to_bytes(4, "big") for v in proposal)

VENDOR_ID_NAMES = {
    VID_NAT_T_RFC3947: "NAT-Traversal RFC",
    VID_NAT_T_DRAFT_03: "NAT-Traversal ver 03",
    VID_NAT_T_DRAFT_02N: "NAT-Traversal ver 02",
    VID_NAT_T_DRAFT_02: "NAT-Traversal ver 02",
    VID_DPD: "DPD",
    VID_XAUTH: "xauth V6",
    VID_CISCO_UNITY: "Cisco Unity",
    VID_CISCO_FRAGMENTATION: "Fragmentation",
    VID_NAT_T_DRAFT_07: "NAT-Traversal ver 07",
    VID_CISCO_IOS: "Cisco IOS",
    VID_ALTIGA_GW: "Altiga/Cisco VPN3000/Cisco ASA GW",
}
