"""Cisco IOS / IOS XE configuration text -> :class:`IosConfig` -> :class:`~sim.ike.config.IkeConfig`.

Understands the IKEv1 phase-1 part of an IOS 12.4T/15.x/IOS XE configuration (ike-facts.md 4 and 5)::

    hostname R-BRANCH
    crypto isakmp policy 10                     ! 1..10000, lower wins
     encr aes 256                               ! des | 3des | aes [128|192|256] (plain aes = 128); also "encryption"
     hash sha                                   ! md5 | sha | sha256 | sha384 | sha512
     authentication pre-share                   ! pre-share | rsa-sig | rsa-encr
     group 14                                   ! 1 | 2 | 5 | 14
     lifetime 86400                             ! 60..86400 seconds
    crypto isakmp key Vpn-Key1 address 198.51.100.1            ! also "key 0 <key>", an optional mask, no-xauth
    crypto isakmp key Any-Peer address 0.0.0.0 0.0.0.0          ! wildcard: the key for every other peer
    crypto isakmp keepalive 10 3                ! DPD (accepted, not modelled)
    crypto isakmp nat keepalive 20              ! NAT-T keepalive, 5..3600 seconds
    no crypto isakmp nat-traversal              ! NAT-T is on unless this line is there
    crypto isakmp identity address
    crypto isakmp invalid-spi-recovery
    !
    interface GigabitEthernet0/0
     ip address 203.0.113.10 255.255.255.0
     crypto map VPN-MAP                         ! this is what turns IKE on for the interface

**Where IKE listens.** IOS has no ``crypto isakmp enable <interface>``: ISAKMP starts when a crypto map is applied to
an interface (``%CRYPTO-6-ISAKMP_ON_OFF: ISAKMP is ON``, ike-facts.md 4.5). The simulator models this per interface:
the device listens (and initiates) on the interface facing the peer, i.e. the interface whose ``ip address`` is the
scenario's ``outside`` address, only if a ``crypto map NAME`` line sits under that interface. Without one the device
neither answers nor starts Main Mode (a real router that has a crypto map on some *other* interface would still
answer IKE: a simplification, see the README). ``no crypto isakmp`` (``no crypto isakmp enable``) turns IKE off.

**Policy defaults** for a keyword that is left out (IOS security command reference; not in ike-facts.md, marked
uncertain there for the ASA): ``des``, ``sha``, ``rsa-sig``, group 1, 86400 s. ``running-config`` omits values
that equal the default, so a policy with only ``encr aes 256`` / ``group 14`` really authenticates with rsa-sig:
against a pre-share peer that is a proposal mismatch, as on a real router. (Certificate authentication itself is not
simulated: two rsa-sig policies that match negotiate and then use pre-shared keys.)

**Keys.** ``crypto isakmp key`` keys are chosen by the peer's address, the longest matching mask first (a host key
when the mask is left out, i.e. 255.255.255.255); ``address 0.0.0.0 0.0.0.0`` is the wildcard, used for every peer
with no more specific key. IOS needs a key *before* it sends MM1: with none it never starts (ike-facts.md 2.5).

**Line structure** as on the ASA: an indented line is a sub-command of the last unindented line; ``!`` lines and
blank lines are comments. What is ignored: every line that does not matter to IKE phase 1 (``interface`` sub-lines
other than ``ip address`` and ``crypto map``, ``crypto map`` entries, ``crypto ipsec ...``, ``access-list``,
``ip access-list`` blocks, ``ip route``, ``router``, ``line``, ``version``, ``end`` ...), plus ``crypto isakmp``
commands that do not change a two-peer Main Mode (``invalid-spi-recovery``, ``aggressive-mode disable``,
``fragmentation``, ``enable``, ``xauth``, ``client configuration`` blocks, ``no crypto isakmp default policy``).

**Keyrings and ISAKMP profiles** (what AWS- and IOS-XE-style configs use instead of ``crypto isakmp key``)::

    crypto keyring KR-BRANCHES
      local-address GigabitEthernet0/0/0        ! accepted, not modelled
      pre-shared-key address 198.51.100.20 key Vpn-Key1      ! [MASK], key [0|6|7] KEY
    crypto isakmp profile IKE-BRANCHES
      keyring KR-BRANCHES
      match identity address 198.51.100.20 255.255.255.255

Every keyring's ``pre-shared-key address`` is a key for the peers it covers, chosen as ``crypto isakmp key`` keys are
(one table: for the same address and mask the global key wins, then the first keyring); profiles are kept
(:class:`IsakmpProfile`) but do not change which key is used. A simplification, in the README ("Choices where the
facts are uncertain"): IOS's profile selection and verification after MM5/MM6 and ``local-address`` are not
modelled; keys by hostname and IPv6 keys in a keyring are ignored (Main Mode cannot pick them for an IPv4 peer).

What is an error (:class:`~sim.errors.InputError`, ``field="config"``, 1-based line within the text): any other
``crypto isakmp`` line, ``crypto isakmp peer`` blocks, unknown policy sub-commands, bad values, DH groups IOS has but
the simulator does not model, encrypted (type 6/7) keys, subnet masks that are not contiguous. IKEv2 parts
(``crypto ikev2 ...``), VTIs (``tunnel protection ipsec profile``) and ``crypto ipsec profile`` blocks are not IKEv1
Main Mode on a crypto map and are ignored.

**Whole running-configs** (12.x-IOS XE: ``Building configuration...``, ``Current configuration : N bytes``,
``version 15.9`` (kept as ``IosConfig.version``), ``crypto pki certificate chain`` hex blocks, multi-line ``banner
motd ^C`` ... ``^C`` banners whatever they contain, ``end``) are read as well as fragments. Crypto map entries
(``crypto map NAME SEQ ipsec-isakmp`` / `` set peer A``) are kept as :class:`CryptoMapEntry` (who this router talks
to); the rest of an entry is not Phase 1.

**Strict where it matters.** ASA syntax in an IOS config is an error saying so (``crypto ikev1 ...``,
``tunnel-group``, `` encryption aes-256``, ``crypto isakmp enable outside``, `` nameif``, ``crypto map NAME
interface X``, one-line ``crypto map NAME 10 set peer``). A masked key (``*****``, type 6/7/8) is an error asking
for the real key (:func:`masked_key_lines`, :func:`unmask_keys`).

Keywords are case-insensitive, keys are case-sensitive. ``encr`` is the keyword ``show running-config`` prints, so it
is accepted; abbreviations of IKE keywords (``cry isa pol 10``, `` auth pre-share``, `` cry map X`` under an
interface) are errors naming the full command, not expanded: which word a prefix means depends on the release's
command set, and a saved running-config writes keywords in full.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass, field

from sim.ike import constants as c
from sim.ike.config import IkeConfig, PeerKey, Retransmit
from sim.ike.constants import Auth, Encryption, Hash
from sim.ike.policy import Policy

from ..configtext import BlockParser, ConfigError, abbreviated, abbreviation, choices, integer, other_dialect
from ..configtext import PolicyDraft as _PolicyDraft

#: Values of a ``crypto isakmp policy`` keyword that is left out: the IOS documented defaults (DES, SHA-1, RSA
#: signatures, group 1, one day). ike-facts.md has no IOS defaults; newer IOS XE releases reject des/group 1, so a
#: scenario should say what it means.
POLICY_DEFAULTS = Policy(
    encryption=Encryption.DES_CBC,
    key_length=None,
    hash=Hash.SHA1,
    auth=Auth.RSA_SIG,
    group=1,
    lifetime=86400,
)

POLICY_PRIORITY_RANGE = (1, 10000)
LIFETIME_RANGE = (60, 86400)
NAT_KEEPALIVE_RANGE = (5, 3600)
DPD_INTERVAL_RANGE = (10, 3600)
DPD_RETRY_RANGE = (2, 60)

#: nonce length IOS sends in MM3/MM4 (bytes). Not in ike-facts.md (only the ASA's 20 is inferred there): we chose 20.
NONCE_LENGTH = 20

#: Vendor IDs an IOS router sends (ike-facts.md 1.6): NAT-T VIDs in MM1/MM2 come from the core when NAT-T is on;
#: IOS sends no fragmentation VID unless ``crypto isakmp fragmentation``; in MM3/MM4 Unity, DPD and XAUTH (the IOS
#: proprietary VID has no published value and is left out).
MM1_VIDS: tuple[bytes, ...] = ()
MM2_VIDS: tuple[bytes, ...] = ()
MM3_VIDS = (c.VID_CISCO_UNITY, c.VID_DPD, c.VID_XAUTH)
MM4_VIDS = (c.VID_CISCO_UNITY, c.VID_DPD, c.VID_XAUTH)

ENCRYPTIONS: dict[str, tuple[int, int | None]] = {
    "des": (Encryption.DES_CBC, None),
    "3des": (Encryption.TRIPLE_DES_CBC, None),
    "aes": (Encryption.AES_CBC, 128),
    "aes 128": (Encryption.AES_CBC, 128),
    "aes 192": (Encryption.AES_CBC, 192),
    "aes 256": (Encryption.AES_CBC, 256),
}
HASHES: dict[str, int] = {
    "md5": Hash.MD5,
    "sha": Hash.SHA1,
    "sha256": Hash.SHA2_256,
    "sha384": Hash.SHA2_384,
    "sha512": Hash.SHA2_512,
}
AUTHENTICATIONS: dict[str, int] = {"pre-share": Auth.PRE_SHARED_KEY, "rsa-sig": Auth.RSA_SIG, "rsa-encr": Auth.RSA_ENC}
GROUPS: dict[str, int] = {"1": 1, "2": 2, "5": 5, "14": 14}
#: groups an IOS router accepts that the simulator does not model
IOS_ONLY_GROUPS = ("15", "16", "19", "20", "21", "24")

#: ``crypto isakmp`` commands accepted and ignored (no effect on a two-peer Main Mode)
IGNORED_ISAKMP_COMMANDS = ("invalid-spi-recovery", "aggressive-mode", "fragmentation", "enable", "xauth")
#: ``crypto isakmp`` commands that open a block we accept and ignore
IGNORED_ISAKMP_BLOCKS = ("client",)
#: ``crypto isakmp`` features that matter to IKE but are not simulated
UNSUPPORTED_ISAKMP = {
    "peer": "'crypto isakmp peer' blocks are not simulated",
}

WILDCARD = ipaddress.IPv4Network("0.0.0.0/0")

#: every ``crypto`` keyword of IOS at the second level, so that an abbreviation is judged unique or not as the box
#: would; abbreviations of the Phase-1 ones are errors
CRYPTO_KEYWORDS = ("ca", "call", "ctcp", "dynamic-map", "engine", "gdoi", "ikev1", "ikev2", "ipsec", "isakmp", "key",
                   "keyring", "logging", "map", "mib", "pki", "provisioning", "vpn", "wui")
PHASE1_CRYPTO = ("isakmp", "keyring", "map", "ikev1")
ISAKMP_KEYWORDS = ("aggressive-mode", "client", "enable", "fragmentation", "identity", "invalid-spi-recovery",
                   "keepalive", "key", "nat", "peer", "policy", "profile", "xauth", "nat-traversal")
POLICY_KEYWORDS = ("encryption", "hash", "authentication", "group", "lifetime")
BANNERS = ("motd", "login", "exec", "incoming", "slip-ppp", "prompt-timeout", "config-save")


@dataclass(frozen=True)
class IsakmpKey:
    """One pre-shared key by address: a ``crypto isakmp key`` (``keyring`` None) or a `` pre-shared-key address``
    line of ``crypto keyring NAME`` (``keyring`` NAME); the peers it is for (a /32 host, a subnet, or 0.0.0.0/0)."""

    key: str
    network: ipaddress.IPv4Network
    line: int = 0
    keyring: str | None = None

    @property
    def name(self) -> str:
        """How the core's PeerKey names it: the host address, or address/prefix for a subnet or the wildcard."""
        if self.network.prefixlen == 32:
            return str(self.network.network_address)
        return str(self.network)


@dataclass(frozen=True)
class IsakmpProfile:
    """One ``crypto isakmp profile NAME``: its `` keyring`` and the peers it is for (`` match identity address A
    [MASK]``). Kept for what the config says; keys are chosen by address across every keyring (see the module
    docstring), so a profile does not change which key a peer gets."""

    name: str
    keyrings: tuple[str, ...] = ()
    identities: tuple[ipaddress.IPv4Network, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class CryptoMapEntry:
    """One ``crypto map NAME SEQ ipsec-isakmp`` entry: its `` set peer`` addresses (or ``dynamic``: any peer)."""

    map: str
    seq: int
    peers: tuple[str, ...] = ()
    dynamic: bool = False
    line: int = 0


@dataclass(frozen=True)
class IosInterface:
    name: str
    addresses: tuple[str, ...] = ()
    crypto_map: str | None = None
    line: int = 0


class KeyTable(dict):
    """The core's ``IkeConfig.peers`` for IOS: host keys are plain entries, subnet keys answer ``in`` and ``[]`` for
    any address they cover (longest mask first). The wildcard key is not in here: it is ``IkeConfig.default_peer``."""

    def __init__(self, hosts: dict[str, PeerKey], subnets: tuple[tuple[ipaddress.IPv4Network, PeerKey], ...] = ()):
        super().__init__(hosts)
        self.subnets = tuple(sorted(subnets, key=lambda item: -item[0].prefixlen))

    def _subnet(self, address) -> PeerKey | None:
        try:
            ip = ipaddress.IPv4Address(address)
        except ValueError:
            return None
        return next((key for network, key in self.subnets if ip in network), None)

    def __contains__(self, address) -> bool:
        return dict.__contains__(self, address) or self._subnet(address) is not None

    def __getitem__(self, address) -> PeerKey:
        if dict.__contains__(self, address):
            return dict.__getitem__(self, address)
        key = self._subnet(address)
        if key is None:
            raise KeyError(address)
        return key

    def get(self, address, default=None):
        return self[address] if address in self else default


@dataclass(frozen=True)
class IosConfig:
    """The IKEv1 phase-1 relevant part of one IOS router's configuration."""

    hostname: str | None = None
    policies: tuple[Policy, ...] = ()
    #: effective keys in config order (a later key for the same address and mask replaces the earlier one)
    keys: tuple[IsakmpKey, ...] = ()
    interfaces: dict[str, IosInterface] = field(default_factory=dict)
    isakmp_enabled: bool = True
    nat_traversal: bool = True
    nat_keepalive: int | None = None
    keepalive: tuple[int, int] | None = None  # DPD (interval, retry)
    identity: str = "address"
    invalid_spi_recovery: bool = False
    #: the software version of a whole running-config (``version 15.9`` -> ``15.9``), None in a fragment
    version: str | None = None
    crypto_maps: tuple[CryptoMapEntry, ...] = ()
    #: ``crypto keyring`` names in config order, and ``crypto isakmp profile`` blocks
    keyrings: tuple[str, ...] = ()
    profiles: tuple[IsakmpProfile, ...] = ()

    def key_entry(self, name: str) -> IsakmpKey | None:
        """The effective key called ``name`` (a host address, or address/prefix) by the core's PeerKey."""
        return next((k for k in self.keys if k.name == name), None)

    def interface_addresses(self) -> dict[str, str]:
        """address -> interface name of every static address (primary and secondary)."""
        return {a: i.name for i in self.interfaces.values() for a in i.addresses}

    def ike_interfaces(self) -> tuple[str, ...]:
        """The interfaces on which IKE would answer: those with a crypto map (and ISAKMP not turned off)."""
        return tuple(sorted(self.crypto_map_interfaces)) if self.isakmp_enabled else ()

    def keyed_peers(self) -> tuple[str, ...]:
        """The peer addresses with a host key (``crypto isakmp key ... address A``, or a keyring's
        `` pre-shared-key address A key ...``)."""
        return tuple(k.name for k in self.keys if k.network.prefixlen == 32)

    def map_peers(self, interface: str | None = None) -> tuple[CryptoMapEntry, ...]:
        """The crypto map entries (of the map applied to ``interface``, or of every map when None)."""
        if interface is None:
            return self.crypto_maps
        bound = self.interfaces[interface].crypto_map if interface in self.interfaces else None
        return tuple(e for e in self.crypto_maps if e.map == bound)

    def not_listening_because(self, interface: str | None) -> str:
        if not self.isakmp_enabled:
            return "ike-disabled"
        return "" if self.listening_on(interface) else "no-crypto-map"

    # -- interfaces ------------------------------------------------------------------------------------------------
    def interface_for(self, address: str) -> str | None:
        """The interface that carries ``address`` (``ip address`` line, primary or secondary), or None."""
        for interface in self.interfaces.values():
            if address in interface.addresses:
                return interface.name
        return None

    @property
    def crypto_map_interfaces(self) -> frozenset[str]:
        return frozenset(i.name for i in self.interfaces.values() if i.crypto_map is not None)

    def listening_on(self, interface: str | None) -> bool:
        return self.isakmp_enabled and interface is not None and interface in self.crypto_map_interfaces

    # -- keys ------------------------------------------------------------------------------------------------------
    def _key_table(self) -> tuple[KeyTable, PeerKey | None]:
        hosts: dict[str, PeerKey] = {}
        subnets: list[tuple[ipaddress.IPv4Network, PeerKey]] = []
        default = None
        for key in self.keys:
            peer_key = PeerKey(key.name, key.key.encode())
            if key.network == WILDCARD:
                default = PeerKey(key.name, key.key.encode(), via_default=True)
            elif key.network.prefixlen == 32:
                hosts[key.name] = peer_key
            else:
                subnets.append((key.network, peer_key))
        return KeyTable(hosts, tuple(subnets)), default

    def peer_key(self, address: str) -> PeerKey | None:
        """The key IOS would use for a peer at ``address``: host key, else the longest matching subnet key, else the
        0.0.0.0 0.0.0.0 wildcard key, else None."""
        peers, default = self._key_table()
        return IkeConfig(address="0.0.0.0", peers=peers, default_peer=default).key_for(address)

    def ike_config(self, interface: str | None, address: str, retransmit: Retransmit) -> IkeConfig:
        """The core's view of this router on ``interface`` (the one facing the peer) with ``address``."""
        peers, default = self._key_table()
        return IkeConfig(
            address=address,
            listening=self.listening_on(interface),
            not_listening_because=self.not_listening_because(interface),
            policies=tuple(sorted(self.policies, key=lambda p: p.priority)),
            peers=peers,
            default_peer=default,
            retransmit=retransmit,
            nonce_length=NONCE_LENGTH,
            nat_traversal=self.nat_traversal,
            vendor_ids_mm1=MM1_VIDS,
            vendor_ids_mm2=MM2_VIDS,
            vendor_ids_mm3=MM3_VIDS,
            vendor_ids_mm4=MM4_VIDS,
            key_required_to_initiate=True,
            psk_lookup_at_mm1=True,
        )


# ----------------------------------------------------------------------------------------------------------------
# parsing


@dataclass
class _InterfaceDraft:
    name: str
    line: int
    addresses: list = field(default_factory=list)
    crypto_map: str | None = None


@dataclass
class _Parser(BlockParser):
    SUB_HANDLERS = {"policy": "policy_sub_command", "interface": "interface_sub_command",
                    "crypto-map": "crypto_map_sub_command", "keyring": "keyring_sub_command",
                    "isakmp-profile": "profile_sub_command"}

    text: str
    hostname: str | None = None
    policies: dict = field(default_factory=dict)  # priority -> _PolicyDraft
    keys: dict = field(default_factory=dict)  # network -> IsakmpKey
    interfaces: dict = field(default_factory=dict)  # name -> _InterfaceDraft
    isakmp_enabled: bool = True
    nat_traversal: bool = True
    nat_keepalive: int | None = None
    keepalive: tuple[int, int] | None = None
    identity: str = "address"
    invalid_spi_recovery: bool = False
    version: str | None = None
    map_entries: dict = field(default_factory=dict)  # (map, seq) -> CryptoMapEntry field dict
    keyrings: dict = field(default_factory=dict)  # keyring name -> {network: IsakmpKey}, in config order
    profiles: dict = field(default_factory=dict)  # profile name -> IsakmpProfile field dict
    #: ("policy", draft) | ("interface", draft) | ("keyring", name) | ("isakmp-profile", fields) | ("ignore", None)
    #: | ("leaf", line) | None before the first command
    block: tuple | None = None
    lineno: int = 0

    def run(self) -> IosConfig:
        self.parse_lines()
        policies = tuple(
            dataclasses.replace(POLICY_DEFAULTS, priority=draft.priority, **draft.settings)
            for draft in sorted(self.policies.values(), key=lambda d: d.priority)
        )
        interfaces = {
            name: IosInterface(name, tuple(d.addresses), d.crypto_map, d.line) for name, d in self.interfaces.items()
        }
        return IosConfig(
            hostname=self.hostname,
            policies=policies,
            keys=self.effective_keys(),
            interfaces=interfaces,
            isakmp_enabled=self.isakmp_enabled,
            nat_traversal=self.nat_traversal,
            nat_keepalive=self.nat_keepalive,
            keepalive=self.keepalive,
            identity=self.identity,
            invalid_spi_recovery=self.invalid_spi_recovery,
            version=self.version,
            crypto_maps=tuple(CryptoMapEntry(**d) for _, d in sorted(self.map_entries.items())),
            keyrings=tuple(self.keyrings),
            profiles=tuple(IsakmpProfile(name, tuple(d["keyrings"]), tuple(d["identities"]), d["line"])
                           for name, d in self.profiles.items()),
        )

    def effective_keys(self) -> tuple[IsakmpKey, ...]:
        """``crypto isakmp key`` keys, then keyring keys for addresses and masks no earlier key has: for the same
        address and mask the global key wins, then the first keyring in config order (README, "Choices where the
        facts are uncertain")."""
        keys = dict(self.keys)
        for entries in self.keyrings.values():
            for network, key in entries.items():
                keys.setdefault(network, key)
        return tuple(keys.values())

    # -- top level -------------------------------------------------------------------------------------------

    def command(self, line: str) -> None:
        words = line.split()
        lower = [w.lower() for w in words]
        self.block = ("ignore", None)  # until a command says otherwise
        self.abbreviations(words, lower)
        if lower[0] == "version" and len(words) == 2:
            self.version = words[1]
        elif lower[0] == "banner":
            self.banner(line, words, lower)
        elif lower[:2] == ["crypto", "ikev1"]:
            raise other_dialect(line, "IOS", "ASA", "IOS writes IKEv1 phase 1 as 'crypto isakmp policy N' "
                                "(' encr aes 256', ' authentication pre-share', ' group 14'), keys as 'crypto "
                                "isakmp key KEY address PEER'")
        elif lower[0] == "tunnel-group":
            raise other_dialect(line, "IOS", "ASA", "IOS has no tunnel-groups: the key for a peer is 'crypto "
                                "isakmp key KEY address PEER'")
        elif lower[:2] == ["crypto", "map"]:
            self.crypto_map(line, words, lower)
        elif lower[0] == "hostname":
            self.block = ("leaf", line)
            if len(words) != 2:
                raise ConfigError("hostname needs exactly one name, e.g. 'hostname R-BRANCH'")
            self.hostname = words[1]
        elif lower[0] == "interface":
            if len(words) < 2:
                raise ConfigError("'interface' needs an interface name, e.g. 'interface GigabitEthernet0/0'")
            name = " ".join(words[1:])
            draft = self.interfaces.get(name)
            if draft is None:
                draft = self.interfaces[name] = _InterfaceDraft(name, self.lineno)
            self.block = ("interface", draft)
        elif lower[:2] == ["crypto", "isakmp"]:
            self.block = ("leaf", line)
            self.crypto_isakmp(line, words)
        elif lower[:2] == ["crypto", "keyring"]:
            self.keyring(words, lower)
        elif lower[:3] == ["no", "crypto", "isakmp"]:
            self.block = ("leaf", line)
            self.no_crypto_isakmp(line, lower[3:])
        # everything else (crypto map/ipsec/pki, access-list, ip access-list, ip route, router, line, version,
        # end, ...) is not IKE phase 1 and is ignored, together with its sub-lines

    def abbreviations(self, words: list[str], lower: list[str]) -> None:
        """Abbreviated Phase-1 keywords (``cry isa pol 10``): an error naming the full command. Not expanded:
        which word a prefix stands for depends on the release's command set, and a saved running-config writes
        keywords in full (``encr`` is what IOS itself prints, so it is the keyword, not an abbreviation)."""
        full = list(lower)
        if len(lower[0]) >= 2 and abbreviation(lower[0], ("crypto",)):
            full[0] = "crypto"
        if full[0] == "crypto" and len(lower) > 1 and lower[1] not in CRYPTO_KEYWORDS:
            candidates = [k for k in CRYPTO_KEYWORDS if k.startswith(lower[1])]
            if any(k in PHASE1_CRYPTO for k in candidates):
                if len(candidates) > 1:
                    raise ConfigError(f"'{' '.join(words[:2])}' is ambiguous (crypto {', crypto '.join(candidates)}):"
                                      " write the keyword in full")
                full[1] = candidates[0]
        if full[:2] == ["crypto", "isakmp"] and len(lower) > 2 and lower[2] not in ISAKMP_KEYWORDS:
            candidates = [k for k in ISAKMP_KEYWORDS if k.startswith(lower[2])]
            if len(candidates) > 1:
                raise ConfigError(f"'{' '.join(words[:3])}' is ambiguous (crypto isakmp {', '.join(candidates)}): "
                                  "write the keyword in full")
            if candidates:
                full[2] = candidates[0]
        if full != lower:
            raise abbreviated(" ".join(words), " ".join(full))

    def banner(self, line: str, words: list[str], lower: list[str]) -> None:
        """``banner motd ^C`` ... ``^C``: the text up to the closing delimiter is skipped, whatever it says."""
        rest = line.split(None, 2 if len(words) > 1 and lower[1] in BANNERS else 1)
        text = rest[-1] if len(rest) > (2 if len(words) > 1 and lower[1] in BANNERS else 1) else ""
        if not text:
            return
        delimiter = "^C" if text.startswith("^C") else text[0]
        if delimiter not in text[len(delimiter):]:
            self.skip_until = delimiter

    def crypto_map(self, line: str, words: list[str], lower: list[str]) -> None:
        """``crypto map NAME SEQ ipsec-isakmp [dynamic D]`` opens an entry whose `` set peer`` lines are kept; the
        rest of crypto map configuration (local-address, isakmp-profile, ipsec-manual entries...) is not Phase 1."""
        if len(words) >= 4 and re.fullmatch(r"[0-9]+", words[3]):
            if lower[4:5] == ["set"] or lower[4:5] == ["match"]:
                raise other_dialect(line, "IOS", "ASA", "IOS opens the entry with 'crypto map NAME SEQ "
                                    "ipsec-isakmp' and puts ' set peer ADDRESS' under it")
            if lower[4:5] == ["ipsec-isakmp"]:
                name, seq = words[2], int(words[3])
                entry = self.map_entries.setdefault((name, seq), {"map": name, "seq": seq, "line": self.lineno})
                if lower[5:6] == ["dynamic"]:
                    entry["dynamic"] = True
                self.block = ("crypto-map", entry)
        elif lower[3:4] == ["interface"]:
            raise other_dialect(line, "IOS", "ASA", "IOS applies a crypto map under the interface: "
                                "'interface NAME' / ' crypto map MAP'")

    def crypto_map_sub_command(self, entry: dict, line: str) -> None:
        words = line.split()
        lower = [w.lower() for w in words]
        if lower[0] == "set" and len(words) > 1 and lower[1] != "peer" and abbreviation(lower[1], ("peer",)):
            raise abbreviated(line.strip(), "set peer " + " ".join(words[2:]))
        if lower[:2] == ["set", "peer"]:
            if len(words) < 3:
                raise ConfigError("'set peer' needs the peer's address, e.g. 'set peer 198.51.100.20'")
            entry["peers"] = entry.get("peers", ()) + (words[2],)

    def no_crypto_isakmp(self, line: str, rest: list[str]) -> None:
        if rest == ["nat-traversal"]:
            self.nat_traversal = False
        elif rest in ([], ["enable"]):
            self.isakmp_enabled = False
        elif rest == ["default", "policy"]:
            pass  # IOS's built-in default policies are not modelled anyway
        else:
            raise ConfigError(f"'{line}' is not supported by the simulator (supported: no crypto isakmp "
                              "nat-traversal, no crypto isakmp, no crypto isakmp default policy)")

    def crypto_isakmp(self, line: str, words: list[str]) -> None:
        if len(words) < 3:
            raise ConfigError("incomplete command 'crypto isakmp' (expected policy, key, keepalive, nat keepalive, "
                              "identity or invalid-spi-recovery)")
        sub = words[2].lower()
        args = words[3:]
        if sub == "policy":
            self.policy(args)
        elif sub == "key":
            self.key(line, args)
        elif sub == "keepalive":
            self.dpd(args)
        elif sub == "nat":
            if len(args) == 2 and args[0].lower() == "keepalive":
                self.nat_keepalive = integer(args[1], "nat keepalive", NAT_KEEPALIVE_RANGE, "seconds")
            else:
                raise ConfigError("expected 'crypto isakmp nat keepalive SECONDS' (5-3600)")
        elif sub == "identity":
            self.identity_command(args)
        elif sub == "invalid-spi-recovery":
            self.invalid_spi_recovery = True
        elif sub == "enable" and args and args[0].lower() not in ("ipv4", "ipv6"):
            raise other_dialect(line, "IOS", "ASA", "IOS turns IKE on for an interface by applying a crypto map "
                                "to it ('interface NAME' / ' crypto map MAP')")
        elif sub == "profile":
            if len(args) != 1:
                raise ConfigError("'crypto isakmp profile' needs one profile name, e.g. 'crypto isakmp profile "
                                  "PROF-BRANCH'")
            fields = self.profiles.setdefault(args[0], {"keyrings": [], "identities": [], "line": self.lineno})
            self.block = ("isakmp-profile", fields)
        elif sub in IGNORED_ISAKMP_BLOCKS:
            self.block = ("ignore", None)
        elif sub in IGNORED_ISAKMP_COMMANDS:
            pass
        elif sub in UNSUPPORTED_ISAKMP:
            raise ConfigError(UNSUPPORTED_ISAKMP[sub])
        elif sub == "nat-traversal":
            raise ConfigError(f"'{line}' looks like ASA syntax, but this is an IOS config: NAT traversal is on by "
                              "default on IOS: remove the line (or write 'no crypto isakmp "
                              "nat-traversal' to turn it off); the keepalive is 'crypto isakmp nat keepalive N'")
        else:
            raise ConfigError(f"unknown command 'crypto isakmp {words[2]}' (expected crypto isakmp policy, key, "
                              "keepalive, nat keepalive, identity or invalid-spi-recovery; also accepted and ignored: "
                              f"{', '.join(IGNORED_ISAKMP_COMMANDS + IGNORED_ISAKMP_BLOCKS)})")

    def policy(self, args: list[str]) -> None:
        low, high = POLICY_PRIORITY_RANGE
        if len(args) != 1:
            raise ConfigError(f"'crypto isakmp policy' needs one policy number ({low}-{high}), e.g. "
                              "'crypto isakmp policy 10'")
        priority = integer(args[0], "policy number", POLICY_PRIORITY_RANGE)
        draft = self.policies.get(priority)
        if draft is None:
            draft = self.policies[priority] = _PolicyDraft(priority, self.lineno)
        self.block = ("policy", draft)

    def key(self, line: str, args: list[str]) -> None:
        usage = "expected 'crypto isakmp key KEY address PEER-IP [MASK] [no-xauth]'"
        if not args:
            raise ConfigError(f"'crypto isakmp key' needs a key ({usage})")
        if len(args) >= 2 and args[0] in ("0", "6", "7", "8") and args[1].lower() not in ("address", "hostname"):
            kind, key, rest = args[0], args[1], args[2:]
            if kind != "0":
                raise ConfigError(f"a type {kind} key is encrypted (masked): it is the form the router prints, not the key: "
                                  "give the real key, e.g. 'crypto isakmp key 0 Vpn-Key1 address 198.51.100.1'")
        else:
            key, rest = args[0], args[1:]
        if set(key) == {"*"}:
            raise ConfigError(f"the key '{key}' is masked: give the real key, e.g. 'crypto isakmp key Vpn-Key1 "
                              "address 198.51.100.1'")
        if key.lower() in ("address", "hostname"):
            raise ConfigError(f"'crypto isakmp key' needs a key before '{key}' ({usage})")
        lower = [w.lower() for w in rest]
        if lower[:1] == ["hostname"]:
            raise ConfigError("keys by hostname are not simulated: Main Mode with pre-shared keys picks the key by "
                              "the peer's address ('crypto isakmp key KEY address PEER-IP')")
        if lower[:1] != ["address"]:
            raise ConfigError(f"'address' missing after the key ({usage})")
        rest, lower = rest[1:], lower[1:]
        if lower[-1:] == ["no-xauth"]:
            rest, lower = rest[:-1], lower[:-1]
        if lower[:1] == ["ipv6"]:
            raise ConfigError("IPv6 peers are not simulated")
        if not rest or len(rest) > 2:
            raise ConfigError(f"'address' needs a peer address and an optional mask ({usage})")
        network = self.peer_network(rest)
        self.keys.pop(network, None)  # a later key for the same peers replaces the earlier one (and moves last)
        self.keys[network] = IsakmpKey(key, network, self.lineno)

    def peer_network(self, rest: list[str]) -> ipaddress.IPv4Network:
        """``A`` (a host) or ``A MASK`` -> the peers a key or an identity is for."""
        address = self.ipv4(rest[0], "peer address")
        if len(rest) == 1:
            if address == ipaddress.IPv4Address("0.0.0.0"):
                raise ConfigError("'address 0.0.0.0' without a mask matches no peer (the mask defaults to "
                                  "255.255.255.255); the wildcard key is 'address 0.0.0.0 0.0.0.0'")
            return ipaddress.IPv4Network(f"{address}/32")
        mask = self.ipv4(rest[1], "mask")
        try:
            return ipaddress.IPv4Network(f"{address}/{mask}", strict=False)
        except ValueError:
            raise ConfigError(f"'{rest[1]}' is not a valid mask (expected contiguous ones, e.g. "
                              "255.255.255.0, or 0.0.0.0 with address 0.0.0.0 for the wildcard key)") from None

    def keyring(self, words: list[str], lower: list[str]) -> None:
        """``crypto keyring NAME [vrf VRF]`` opens a keyring whose `` pre-shared-key address`` lines are keys."""
        if len(words) < 3 or lower[2] == "vrf":
            raise ConfigError("'crypto keyring' needs a keyring name, e.g. 'crypto keyring KR-BRANCH'")
        self.keyrings.setdefault(words[2], {})
        self.block = ("keyring", words[2])

    def keyring_sub_command(self, name: str, line: str) -> None:
        """`` pre-shared-key address A [MASK] key [0|6|7] KEY``: a key for the peers at A (MASK). Keys by hostname
        and IPv6 keys cannot be picked for an IPv4 Main Mode peer before its identity is known: ignored, as are
        `` local-address``, `` description``, `` rsa-pubkey`` blocks and the rest."""
        words = line.split()
        lower = [w.lower() for w in words]
        usage = "expected ' pre-shared-key address PEER-IP [MASK] key KEY'"
        if lower[0] != "pre-shared-key":
            if len(lower[0]) >= 4 and abbreviation(lower[0], ("pre-shared-key",)):
                raise abbreviated(line.strip(), "pre-shared-key " + " ".join(words[1:]))
            return
        if lower[1:2] in (["hostname"], ["ipv6"]) or lower[1:3] == ["address", "ipv6"]:
            return
        if lower[1:2] != ["address"] or "key" not in lower[2:]:
            raise ConfigError(f"'{line.strip()}' in crypto keyring {name}: {usage}")
        at = lower.index("key", 2)
        if at not in (3, 4):
            raise ConfigError(f"'{line.strip()}' in crypto keyring {name}: 'address' needs a peer address and an "
                              f"optional mask ({usage})")
        network = self.peer_network(words[2:at])
        key_words = line.split(None, at + 1)
        key = key_words[at + 1].rstrip() if len(key_words) > at + 1 else ""
        if re.fullmatch(r"[0-9] \S.*", key):
            kind, key = key.split(" ", 1)
            if kind != "0":
                raise ConfigError(f"a type {kind} key is encrypted (masked): it is the form the router prints, not "
                                  f"the key: give the real key, e.g. ' pre-shared-key address {network.network_address} "
                                  "key Vpn-Key1'")
        if not key:
            raise ConfigError(f"'{line.strip()}' in crypto keyring {name} needs a key ({usage})")
        if set(key) == {"*"}:
            raise ConfigError(f"the key '{key}' is masked: give the real key")
        entries = self.keyrings[name]
        entries.pop(network, None)
        entries[network] = IsakmpKey(key, network, self.lineno, keyring=name)

    def profile_sub_command(self, fields: dict, line: str) -> None:
        """`` keyring NAME`` and `` match identity address A [MASK] [VRF]`` are kept; the other profile settings
        (``keepalive``, ``local-address``, ``self-identity``, ``match identity host/user``, ``vrf``...) are not
        simulated and ignored."""
        words = line.split()
        lower = [w.lower() for w in words]
        if lower[0] == "keyring" and len(words) == 2:
            fields["keyrings"].append(words[1])
        elif lower[:3] == ["match", "identity", "address"] and len(words) >= 4:
            if lower[3] == "ipv6":
                return
            mask = words[4:5] if len(words) > 4 and re.fullmatch(r"[0-9.]+", words[4]) else []
            fields["identities"].append(self.peer_network(words[3:4] + mask))

    def dpd(self, args: list[str]) -> None:
        if not args:
            raise ConfigError("'crypto isakmp keepalive' needs an interval in seconds (10-3600), e.g. "
                              "'crypto isakmp keepalive 10 3'")
        rest = list(args)
        if rest[-1].lower() in ("periodic", "on-demand"):
            rest.pop()
        if len(rest) > 2 or not rest:
            raise ConfigError("expected 'crypto isakmp keepalive SECONDS [RETRY] [periodic|on-demand]'")
        interval = integer(rest[0], "keepalive interval", DPD_INTERVAL_RANGE, "seconds")
        retry = integer(rest[1], "keepalive retry", DPD_RETRY_RANGE, "seconds") if len(rest) == 2 else 2
        self.keepalive = (interval, retry)

    def identity_command(self, args: list[str]) -> None:
        value = args[0].lower() if len(args) == 1 else ""
        if value == "address":
            self.identity = "address"
        elif value in ("hostname", "dn"):
            raise ConfigError(f"'crypto isakmp identity {value}' is not simulated: the simulator sends the "
                              "address identity (ID_IPV4_ADDR); use 'crypto isakmp identity address'")
        else:
            raise ConfigError("expected 'crypto isakmp identity address' (or hostname or dn, not simulated)")

    # -- sub-commands ----------------------------------------------------------------------------------------

    def interface_sub_command(self, draft: _InterfaceDraft, line: str) -> None:
        words = line.split()
        lower = [w.lower() for w in words]
        if lower[0] == "ip" and len(words) > 2 and lower[1] != "address" and abbreviation(lower[1], ("address",)):
            raise abbreviated(line.strip(), "ip address " + " ".join(words[2:]))
        if (len(words) > 1 and len(lower[0]) >= 2 and "crypto".startswith(lower[0]) and "map".startswith(lower[1])
                and (lower[0], lower[1]) != ("crypto", "map")):
            raise abbreviated(line.strip(), "crypto map " + " ".join(words[2:]))
        if lower[0] == "nameif":
            raise other_dialect(line.strip(), "IOS", "ASA", "an IOS interface has no nameif: IKE runs on the "
                                "interface that carries the address and a crypto map")
        if lower[:2] == ["ip", "address"] and len(words) >= 4:
            try:
                address = ipaddress.IPv4Address(words[2])
            except ValueError:
                return  # "ip address dhcp" and the like: no static address to match the scenario's
            if len(words) == 4 or lower[4:] == ["secondary"]:
                if len(words) == 4:
                    draft.addresses.insert(0, str(address))
                else:
                    draft.addresses.append(str(address))
        elif lower[:2] == ["crypto", "map"]:
            if len(words) != 3:
                raise ConfigError("under an interface, 'crypto map' takes the map's name, e.g. 'crypto map VPN-MAP'")
            draft.crypto_map = words[2]
        elif lower[:3] == ["no", "crypto", "map"]:
            draft.crypto_map = None

    def policy_sub_command(self, draft: _PolicyDraft, line: str) -> None:
        words = line.split()
        keyword = words[0].lower()
        known = ("encr", "encryption", "hash", "authentication", "group", "lifetime")
        if keyword not in known and abbreviation(keyword, POLICY_KEYWORDS):
            raise abbreviated(line.strip(), " ".join([abbreviation(keyword, POLICY_KEYWORDS)] + words[1:]))
        if keyword not in known:
            raise ConfigError(f"unknown policy command '{words[0]}' in crypto isakmp policy {draft.priority} "
                              f"(expected {choices(known)})")
        if len(words) == 1:
            raise ConfigError(f"'{keyword}' needs a value")
        settings = draft.settings
        if keyword in ("encr", "encryption"):
            value = " ".join(w.lower() for w in words[1:])
            if value not in ENCRYPTIONS:
                hint = (f"; '{line.strip()}' looks like ASA syntax, but this is an IOS config: IOS writes the AES "
                        f"key length as a separate word ('encr aes {value[4:]}')" if value.startswith("aes-") else "")
                raise ConfigError(f"unknown encryption '{' '.join(words[1:])}' (expected "
                                  f"{choices(['des', '3des', 'aes', 'aes 192', 'aes 256'])}{hint})")
            settings["encryption"], settings["key_length"] = ENCRYPTIONS[value]
            return
        if len(words) > 2:
            raise ConfigError(f"unexpected '{' '.join(words[2:])}' after '{keyword} {words[1]}'")
        value = words[1].lower()
        if keyword == "hash":
            if value not in HASHES:
                raise ConfigError(f"unknown hash '{words[1]}' (expected {choices(list(HASHES))})")
            settings["hash"] = HASHES[value]
        elif keyword == "authentication":
            if value not in AUTHENTICATIONS:
                raise ConfigError(f"unknown authentication '{words[1]}' (expected {choices(list(AUTHENTICATIONS))})")
            settings["auth"] = AUTHENTICATIONS[value]
        elif keyword == "group":
            if value in IOS_ONLY_GROUPS:
                raise ConfigError(f"Diffie-Hellman group {value} is not simulated (the simulator models the MODP "
                                  f"groups {choices(list(GROUPS))})")
            if value not in GROUPS:
                raise ConfigError(f"unknown Diffie-Hellman group '{words[1]}' (expected {choices(list(GROUPS))})")
            settings["group"] = GROUPS[value]
        else:
            settings["lifetime"] = integer(words[1], "lifetime", LIFETIME_RANGE, "seconds")

    # -- values ----------------------------------------------------------------------------------------------

    @staticmethod
    def ipv4(text: str, what: str) -> ipaddress.IPv4Address:
        try:
            return ipaddress.IPv4Address(text)
        except ValueError:
            raise ConfigError(f"{what} '{text}' is not an IPv4 address") from None


#: a ``crypto isakmp key`` line: group 1 up to the key, group 2 the key (with its type), group 3 from ``address`` on
KEY_LINE = re.compile(r"^(crypto isakmp key )((?:[0-9] )?\S+)( address .*)$", re.M | re.I)
#: a keyring's `` pre-shared-key address A [MASK] key KEY`` line: group 1 up to the key, group 2 the key, group 3 ""
KEYRING_LINE = re.compile(r"^(\s+pre-shared-key address \S+(?: [0-9.]+)? key )((?:[0-9] )?\S+)()[ \t]*$", re.M | re.I)


def is_masked_key(key: str) -> bool:
    """``*****``, or a type 6/7/8 key (``6 <hash>``): the form the router prints, not the key."""
    return re.fullmatch(r"\*+|[678] \S+", key.strip()) is not None


def masked_key_lines(text: str) -> list[int]:
    """The 1-based lines whose ``crypto isakmp key`` or keyring `` pre-shared-key`` is masked or encrypted."""
    return sorted(text.count("\n", 0, m.start()) + 1 for pattern in (KEY_LINE, KEYRING_LINE)
                  for m in pattern.finditer(text) if is_masked_key(m.group(2)))


def unmask_keys(text: str, key: str) -> str:
    """``text`` with every masked key (``crypto isakmp key``, keyring `` pre-shared-key``) replaced by ``key``
    (``--key HOST=KEY``)."""
    for pattern in (KEY_LINE, KEYRING_LINE):
        text = pattern.sub(lambda m: m.group(1) + key + m.group(3) if is_masked_key(m.group(2)) else m.group(0), text)
    return text


def parse_ios_config(text: str) -> IosConfig:
    """Parse IOS configuration text. Errors: :class:`InputError` with ``line`` (1-based, within ``text``) and
    ``field="config"``."""
    return _Parser(text).run()
