"""Cisco ASA configuration text -> :class:`AsaConfig` -> :class:`~sim.ike.config.IkeConfig`.

Understands the IKEv1 phase-1 part of an ASA 8.4+/9.x configuration (``crypto ikev1 ...``) and the pre-8.4 forms
(``crypto isakmp ...``, ``pre-shared-key`` without ``ikev1``), ike-facts.md sections 3 and 5::

    hostname ASA-LAB1
    crypto ikev1 enable outside                 ! pre-8.4: crypto isakmp enable outside
    crypto ikev1 policy 10                      ! pre-8.4: crypto isakmp policy 10; 1..65535, lower wins
     authentication pre-share                   ! pre-share | rsa-sig
     encryption aes-256                         ! des | 3des | aes | aes-192 | aes-256
     hash sha                                   ! sha | md5
     group 14                                   ! 1 | 2 | 5 | 14
     lifetime 86400                             ! 120..2147483647 seconds, or none (read as 2147483647)
    crypto isakmp nat-traversal 20              ! keepalive seconds, 20 when omitted
    tunnel-group 50.56.229.98 type ipsec-l2l    ! ipsec-l2l | remote-access
    tunnel-group 50.56.229.98 ipsec-attributes
     ikev1 pre-shared-key Vpn-Lab-Key1          ! pre-8.4: pre-shared-key Vpn-Lab-Key1

Line structure: a line that starts with whitespace is a sub-command of the last line that did not (its "block");
``!`` and ``:`` lines and blank lines are comments and do not end a block. ASA has no end-of-line comments, so
everything after ``pre-shared-key`` is the key (trailing whitespace removed).

Whole running-configs as saved from the box (ASA 8.2-9.x: ``: Saved``, ``ASA Version 9.12(4)`` (kept as
``AsaConfig.version``), ``Cryptochecksum:``, ``: end``, names, objects, banners, certificate chains with their hex
blocks and ``quit``, webvpn and group-policy blocks) are read as well as fragments.

What Phase 1 needs from interfaces and crypto maps is kept: ``interface X`` / `` nameif outside`` / `` ip address A
M`` (:class:`AsaInterface`), ``crypto map NAME SEQ set peer A`` and ``crypto map NAME SEQ ipsec-isakmp dynamic D``
(:class:`CryptoMapEntry`), ``crypto map NAME interface NAMEIF`` (``crypto_map_bindings``); see
:meth:`AsaConfig.listening_on` for when a missing binding keeps the interface closed.

What is ignored: every other line that does not matter to IKE phase 1 (``access-list``, ``crypto ipsec``, the rest of
``crypto map``, ``crypto ikev2``, ``route``, ``object``, ``nat``, ...; ``name A NAME`` entries are kept and resolved in
``set peer NAME`` and tunnel-group names), plus a few
``crypto isakmp`` commands that do not change a Main Mode exchange between two peers (``identity``,
``am-disable``, ``disconnect-notify``, ``reload-wait``, ``ipsec-over-tcp``) and, inside ``ipsec-attributes``,
``isakmp keepalive``, ``peer-id-validate`` and ``ikev2 ...``.

What is an error (:class:`~sim.errors.InputError` with ``field="config"`` and the 1-based line within the text):
any other ``crypto ikev1``/``crypto isakmp`` line, any other sub-command of a policy or ``ipsec-attributes`` block,
bad values, a ``tunnel-group`` type other than ``ipsec-l2l``/``remote-access``, attributes for a tunnel-group that
was never declared (the ASA says ``tunnel-group X does not exist``), a masked key (``*****``) copied from
``show running-config``.

IOS syntax in an ASA config (``crypto isakmp key``, `` encr aes 256``, ``crypto keyring``, an IOS-style crypto map
block, `` crypto map NAME`` under an interface) is an error saying so. A masked key is ``*****`` or ``8 <hash>``
(:func:`masked_key_lines`, :func:`unmask_keys`).

Keywords are case-insensitive; tunnel-group names and keys are case-sensitive. Abbreviated IKE keywords (``cry isa
pol 10``, `` auth pre-share``, ``encr``) are errors naming the full command: a saved running-config writes keywords in
full, and we do not guess how a given release would expand them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from sim.ike.config import IkeConfig, PeerKey, Retransmit
from sim.ike.constants import Auth, Encryption, Hash
from sim.ike.policy import Policy

import ipaddress
import re

from ..configtext import BlockParser, PolicyDraft as _PolicyDraft, abbreviated, abbreviation, integer, other_dialect
from ..configtext import ConfigError as _Error
from ..configtext import choices as _choices

#: Values of a ``crypto ikev1 policy`` keyword that is left out. ike-facts.md section 5 marks these defaults as
#: uncertain [U] ("3des? sha, group 2, 86400, rsa-sig on older code"); we chose pre-share, not rsa-sig, because the
#: simulator only does pre-shared keys.
POLICY_DEFAULTS = Policy(
    encryption=Encryption.TRIPLE_DES_CBC,
    key_length=None,
    hash=Hash.SHA1,
    auth=Auth.PRE_SHARED_KEY,
    group=2,
    lifetime=86400,
)

DEFAULT_L2L_GROUP = "DefaultL2LGroup"
DEFAULT_RA_GROUP = "DefaultRAGroup"
#: exists on every ASA (type webvpn); attribute blocks for it are accepted and ignored
DEFAULT_WEBVPN_GROUP = "DefaultWEBVPNGroup"
BUILTIN_GROUPS = {DEFAULT_L2L_GROUP: "ipsec-l2l", DEFAULT_RA_GROUP: "remote-access"}
TUNNEL_GROUP_TYPES = ("ipsec-l2l", "remote-access")

POLICY_PRIORITY_RANGE = (1, 65535)
MAX_POLICIES = 20
LIFETIME_RANGE = (120, 2147483647)
#: ``lifetime none`` (no time limit on the ISAKMP SA) is read as the longest lifetime the ASA accepts as a number:
#: the core's Policy needs a number of seconds. A modelling choice (README, "Choices where the facts are
#: uncertain"): offered as initiator it is longer than any peer's, so the peer's own lifetime wins; as responder the
#: <= rule accepts only an offer at least as long, i.e. another box with ``lifetime none``.
LIFETIME_NONE = LIFETIME_RANGE[1]
NAT_KEEPALIVE_RANGE = (10, 3600)
NAT_KEEPALIVE_DEFAULT = 20
PSK_MAX_LENGTH = 128

ENCRYPTIONS: dict[str, tuple[int, int | None]] = {
    "des": (Encryption.DES_CBC, None),
    "3des": (Encryption.TRIPLE_DES_CBC, None),
    "aes": (Encryption.AES_CBC, 128),
    "aes-192": (Encryption.AES_CBC, 192),
    "aes-256": (Encryption.AES_CBC, 256),
}
HASHES: dict[str, int] = {"sha": Hash.SHA1, "md5": Hash.MD5}
AUTHENTICATIONS: dict[str, int] = {"pre-share": Auth.PRE_SHARED_KEY, "rsa-sig": Auth.RSA_SIG}
GROUPS: dict[str, int] = {"1": 1, "2": 2, "5": 5, "14": 14}

#: ``crypto isakmp``/``crypto ikev1`` sub-commands accepted and ignored (no effect on a two-peer Main Mode)
IGNORED_ISAKMP_COMMANDS = ("identity", "am-disable", "disconnect-notify", "reload-wait", "ipsec-over-tcp", "limit")
#: ``crypto isakmp`` commands of IOS that an ASA does not have, with where the ASA says the same thing
IOS_ISAKMP_COMMANDS = {
    "key": "an ASA keeps pre-shared keys in 'tunnel-group PEER type ipsec-l2l' / 'tunnel-group PEER "
           "ipsec-attributes' / ' ikev1 pre-shared-key KEY'",
    "profile": "an ASA has no ISAKMP profiles: use a tunnel-group named by the peer's address",
    "peer": "an ASA has no 'crypto isakmp peer' blocks: use a tunnel-group named by the peer's address",
    "keepalive": "on an ASA, DPD is ' isakmp keepalive threshold N retry M' under 'tunnel-group PEER "
                 "ipsec-attributes'",
    "nat": "an ASA writes 'crypto isakmp nat-traversal SECONDS'",
    "invalid-spi-recovery": "an ASA has no such command",
    "client": "an ASA configures remote access in group-policies and tunnel-groups",
}
#: ``tunnel-group NAME ipsec-attributes`` sub-commands accepted and ignored: no effect on an L2L PSK Main Mode
IGNORED_IPSEC_ATTRIBUTES = (("ikev1", "user-authentication"), ("isakmp", "ikev1-user-authentication"),
                            ("radius-sdi-override-xauth",))
#: ``tunnel-group NAME <x>-attributes`` blocks other than ipsec-attributes: accepted, contents ignored
IGNORED_ATTRIBUTE_BLOCKS = ("general-attributes", "webvpn-attributes", "ppp-attributes")


@dataclass(frozen=True)
class TunnelGroup:
    """One ``tunnel-group``: its type and IKEv1 pre-shared key (None: no key configured).

    ``line`` is the config line that declared it (``type`` line, or first attributes line for a built-in group);
    0 for a built-in group the config never mentions.
    """

    name: str
    type: str
    psk: str | None = None
    line: int = 0


@dataclass(frozen=True)
class AsaInterface:
    """One ``interface`` block: hardware name, ``nameif``, ``ip address`` (None when not static) and its line."""

    name: str
    nameif: str | None = None
    address: str | None = None
    line: int = 0


@dataclass(frozen=True)
class CryptoMapEntry:
    """One crypto map entry (``crypto map NAME SEQ ...`` lines): its peers (``set peer``), or ``dynamic``: a
    ``ipsec-isakmp dynamic`` entry, which answers any peer. ``line``: the first line of the entry."""

    map: str
    seq: int
    peers: tuple[str, ...] = ()
    dynamic: bool = False
    line: int = 0


def _builtin_groups() -> dict[str, TunnelGroup]:
    return {name: TunnelGroup(name, kind) for name, kind in BUILTIN_GROUPS.items()}


@dataclass(frozen=True)
class AsaConfig:
    """The IKEv1 phase-1 relevant part of one ASA's configuration."""

    hostname: str | None = None
    ikev1_interfaces: frozenset[str] = frozenset()
    policies: tuple[Policy, ...] = ()
    tunnel_groups: dict[str, TunnelGroup] = field(default_factory=_builtin_groups)
    #: NAT-T keepalive seconds; on by default since 8.3 (9.x: 'crypto isakmp nat-traversal 20' is the default,
    #: real-captures.md: NAT-T VIDs in MM1 of every capture); None after 'no crypto isakmp nat-traversal'
    nat_traversal: int | None = NAT_KEEPALIVE_DEFAULT
    #: the software version of a whole running-config (``ASA Version 9.12(4)`` -> ``9.12(4)``), None in a fragment
    version: str | None = None
    interfaces: tuple[AsaInterface, ...] = ()
    crypto_maps: tuple[CryptoMapEntry, ...] = ()
    #: nameif -> the crypto map bound to it (``crypto map NAME interface NAMEIF``)
    crypto_map_bindings: dict[str, str] = field(default_factory=dict)
    #: does the text say anything about crypto maps (an entry or a binding)? See :meth:`listening_on`.
    mentions_crypto_maps: bool = False

    # -- interfaces and crypto maps ----------------------------------------------------------------------------
    def nameif_for(self, address: str) -> str | None:
        """The nameif of the interface whose ``ip address`` is ``address``, or None."""
        return next((i.nameif for i in self.interfaces if i.address == address and i.nameif), None)

    def address_of(self, nameif: str) -> str | None:
        return next((i.address for i in self.interfaces if i.nameif == nameif and i.address), None)

    def listening_on(self, nameif: str) -> tuple[bool, str]:
        """Does IKEv1 answer (and start) on ``nameif``: (yes/no, why not: ``ike-disabled`` | ``no-crypto-map``).

        IKEv1 needs ``crypto ikev1 enable NAMEIF``; and a real ASA also needs a crypto map bound to the interface
        ("No crypto map bound to interface... dropping pkt", real-captures.md). That second rule applies only when
        the config says anything about crypto maps (an entry or a binding) or is a whole running-config (it has an
        ``ASA Version`` line): scenario fragments that leave crypto maps out (most bundled scenarios, live configs)
        keep meaning "IKEv1 enabled, tunnel configured".
        """
        if nameif not in self.ikev1_interfaces:
            return False, "ike-disabled"
        if (self.mentions_crypto_maps or self.version is not None) and nameif not in self.crypto_map_bindings:
            return False, "no-crypto-map"
        return True, ""

    def interface_addresses(self) -> dict[str, str]:
        """address -> nameif of every interface with a nameif and a static address."""
        return {i.address: i.nameif for i in self.interfaces if i.address and i.nameif}

    def ike_interfaces(self) -> tuple[str, ...]:
        """The nameifs on which IKEv1 would answer (see :meth:`listening_on`)."""
        return tuple(sorted(n for n in self.ikev1_interfaces if self.listening_on(n)[0]))

    def keyed_peers(self) -> tuple[str, ...]:
        """The peer addresses this ASA has an L2L tunnel-group for (tunnel-groups named by an IPv4 address)."""
        out = []
        for name, group in self.tunnel_groups.items():
            try:
                ipaddress.IPv4Address(name)
            except ValueError:
                continue
            if group.type == "ipsec-l2l":
                out.append(name)
        return tuple(out)

    def map_peers(self, nameif: str | None = None) -> tuple[CryptoMapEntry, ...]:
        """The crypto map entries (of the map bound to ``nameif``, or of every map when None)."""
        if nameif is None:
            return self.crypto_maps
        bound = self.crypto_map_bindings.get(nameif)
        return tuple(e for e in self.crypto_maps if e.map == bound)

    def _peer_table(self) -> tuple[dict[str, PeerKey], PeerKey]:
        peers = {
            name: PeerKey(name, group.psk.encode() if group.psk else None)
            for name, group in self.tunnel_groups.items()
            if group.type == "ipsec-l2l" and name not in BUILTIN_GROUPS
        }
        default = self.tunnel_groups.get(DEFAULT_L2L_GROUP)
        default_psk = default.psk if default is not None else None
        return peers, PeerKey(DEFAULT_L2L_GROUP, default_psk.encode() if default_psk else None, via_default=True)

    def ike_config(self, interface: str, address: str, retransmit: Retransmit) -> IkeConfig:
        """The core's view of this ASA on ``interface`` (nameif) with ``address``.

        L2L tunnel-groups are named by the peer's IP address, so each non-default ipsec-l2l group becomes a peer
        entry; DefaultL2LGroup is the fallback (used only when it has a key, see :meth:`IkeConfig.key_for`).
        """
        peers, default = self._peer_table()
        listening, why = self.listening_on(interface)
        return IkeConfig(
            address=address,
            listening=listening,
            not_listening_because=why,
            policies=tuple(sorted(self.policies, key=lambda p: p.priority)),
            peers=peers,
            default_peer=default,
            retransmit=retransmit,
        )

    def peer_key(self, address: str) -> PeerKey | None:
        """The key this ASA would use for a peer at ``address`` (tunnel-group by IP, else DefaultL2LGroup's key)."""
        peers, default = self._peer_table()
        return IkeConfig(address="0.0.0.0", peers=peers, default_peer=default).key_for(address)


# ----------------------------------------------------------------------------------------------------------------
# parsing


@dataclass
class _Parser(BlockParser):
    COMMENTS = ("!", ":")
    SUB_HANDLERS = {"policy": "policy_sub_command", "ipsec-attributes": "ipsec_attribute",
                    "interface": "interface_sub_command", "ios-crypto-map": "ios_crypto_map_sub_command"}
    BLOCK_EXAMPLE = "crypto ikev1 policy 10"
    LEAF_HINT = ("pre-shared keys go under 'tunnel-group NAME ipsec-attributes', policy settings under "
                 "'crypto ikev1 policy N'")
    integer = staticmethod(integer)

    text: str
    hostname: str | None = None
    interfaces: set = field(default_factory=set)
    policies: dict = field(default_factory=dict)  # priority -> _PolicyDraft
    groups: dict = field(default_factory=lambda: dict(_builtin_groups()))
    nat_traversal: int | None = NAT_KEEPALIVE_DEFAULT
    version: str | None = None
    interface_drafts: list = field(default_factory=list)  # [AsaInterface field dicts]
    map_entries: dict = field(default_factory=dict)  # (map, seq) -> CryptoMapEntry field dict
    bindings: dict = field(default_factory=dict)
    mentions_maps: bool = False
    names: dict = field(default_factory=dict)  # ``name A NAME`` -> A
    #: the current block: ("policy", draft) | ("ipsec-attributes", name) | ("ignore", None) for non-IKE blocks |
    #: ("leaf", line) after an IKE command without sub-commands | None before the first command
    block: tuple | None = None
    lineno: int = 0

    def run(self) -> AsaConfig:
        self.parse_lines()
        policies = []
        for draft in sorted(self.policies.values(), key=lambda d: d.priority):
            policies.append(dataclasses.replace(POLICY_DEFAULTS, priority=draft.priority, **draft.settings))
        return AsaConfig(
            hostname=self.hostname,
            ikev1_interfaces=frozenset(self.interfaces),
            policies=tuple(policies),
            tunnel_groups=dict(self.groups),
            nat_traversal=self.nat_traversal,
            version=self.version,
            interfaces=tuple(AsaInterface(**d) for d in self.interface_drafts),
            crypto_maps=tuple(CryptoMapEntry(**d) for _, d in sorted(self.map_entries.items())),
            crypto_map_bindings=dict(self.bindings),
            mentions_crypto_maps=self.mentions_maps,
        )

    # -- top level -------------------------------------------------------------------------------------------

    def command(self, line: str) -> None:
        words = line.split()
        head = words[0].lower()
        lower = [w.lower() for w in words]
        self.abbreviations(words, lower)
        if head in ("hostname", "tunnel-group", "crypto", "no"):
            self.block = ("leaf", line)  # until a block-opening command says otherwise
        if lower[:2] in (["asa", "version"], ["pix", "version"]) and len(words) >= 3:
            self.version = words[2]
            self.block = ("ignore", None)
        elif head == "interface" and len(words) >= 2:
            self.interface_drafts.append({"name": " ".join(words[1:]), "line": self.lineno})
            self.block = ("interface", self.interface_drafts[-1])
        elif head == "name" and len(words) >= 3:
            # ``name 203.0.113.20 BR-ASA-OUTSIDE [description ...]``: the box prints the name wherever the address
            # stands (``set peer BR-ASA-OUTSIDE``); resolved in crypto map peers and tunnel-group names
            self.names[words[2]] = words[1]
            self.block = ("ignore", None)
        elif lower[:2] == ["crypto", "map"]:
            self.crypto_map(line, words, lower)
        elif lower[:2] == ["crypto", "keyring"]:
            raise other_dialect(line, "ASA", "IOS", "an ASA keeps pre-shared keys in 'tunnel-group PEER "
                                "ipsec-attributes' / ' ikev1 pre-shared-key KEY'")
        elif head == "hostname":
            if len(words) != 2:
                raise _Error("hostname needs exactly one name, e.g. 'hostname ASA-LAB1'")
            self.hostname = words[1]
        elif head == "crypto" and len(words) > 1 and words[1].lower() in ("ikev1", "isakmp"):
            self.crypto_ike(words)
        elif head == "tunnel-group":
            self.tunnel_group(line, words)
        elif head == "no" and len(words) > 2 and words[1].lower() == "crypto" and words[2].lower() in ("ikev1", "isakmp"):
            if [w.lower() for w in words[3:]] == ["nat-traversal"] and words[2].lower() == "isakmp":
                self.nat_traversal = None
            else:
                raise _Error(f"'{line}' is not supported by the simulator (only 'no crypto isakmp nat-traversal')")
        elif head == "no" and len(words) > 1 and words[1].lower() == "tunnel-group":
            raise _Error("'no tunnel-group' is not supported in a scenario config: leave the tunnel-group out")
        else:
            # everything else (interface, access-list, crypto ipsec/map/ikev2, route, object, nat, names, ...) is
            # not IKE phase 1 and is ignored, together with its sub-lines
            self.block = ("ignore", None)

    def abbreviations(self, words: list[str], lower: list[str]) -> None:
        """Abbreviated IKE keywords (``cry isa pol 10``, ``tunnel-gr``): an error that names the full command."""
        full = list(lower)
        if abbreviation(lower[0], ("crypto",)) and len(lower[0]) >= 2:
            full[0] = "crypto"
        if abbreviation(lower[0], ("tunnel-group",)) and len(lower[0]) >= 3:
            full[0] = "tunnel-group"
        if full[0] == "crypto" and len(lower) > 1:
            if lower[1] in ("i", "ike"):
                raise _Error(f"'{' '.join(words[:2])}' is ambiguous (crypto ikev1, ikev2, ipsec or isakmp): write "
                             "the keyword in full")
            second = abbreviation(lower[1], ("ikev1", "isakmp", "map"))
            if second is not None and not lower[1].startswith("ikev2") and not "ipsec".startswith(lower[1]):
                full[1] = second
            if full[1] in ("ikev1", "isakmp") and len(lower) > 2:
                third = abbreviation(lower[2], ("enable", "policy", "nat-traversal"))
                if third is not None:
                    full[2] = third
        if full != lower:
            raise abbreviated(" ".join(words), " ".join(full[: len(words)]))

    def crypto_map(self, line: str, words: list[str], lower: list[str]) -> None:
        """``crypto map NAME SEQ set peer A [B...]``, ``crypto map NAME SEQ ipsec-isakmp dynamic DYN``, ``crypto map
        NAME interface NAMEIF``; other entry commands (match address, transform-set, pfs...) are not Phase 1."""
        self.mentions_maps = True
        self.block = ("ignore", None)
        if len(words) < 4:
            return
        name = words[2]
        if lower[3] == "interface":
            if len(words) != 5:
                raise _Error(f"'crypto map {name} interface' needs one interface name (nameif), e.g. "
                             f"'crypto map {name} interface outside'")
            self.bindings[words[4]] = name
            return
        if not re.fullmatch(r"[0-9]+", words[3]) or len(words) < 5:
            return
        seq = int(words[3])
        entry = self.map_entries.setdefault((name, seq), {"map": name, "seq": seq, "line": self.lineno})
        if lower[4:6] == ["set", "peer"]:
            if len(words) < 7:
                raise _Error(f"'crypto map {name} {seq} set peer' needs at least one peer address")
            entry["peers"] = tuple(self.names.get(w, w) for w in words[6:])
        elif lower[4] == "ipsec-isakmp":
            if lower[5:6] == ["dynamic"]:
                entry["dynamic"] = True
            elif len(words) == 5:
                self.block = ("ios-crypto-map", line)  # the IOS block form, if sub-lines follow

    def crypto_ike(self, words: list[str]) -> None:
        family = words[1].lower()  # ikev1 | isakmp
        prefix = f"crypto {family}"
        if len(words) < 3:
            raise _Error(f"incomplete command '{prefix}' (expected enable, policy or nat-traversal)")
        sub = words[2].lower()
        args = words[3:]
        if family == "isakmp" and sub in IOS_ISAKMP_COMMANDS:
            raise _Error(f"unknown command '{prefix} {words[2]}': " + str(other_dialect(" ".join(words), "ASA", "IOS",
                                                                                       IOS_ISAKMP_COMMANDS[sub])))
        if sub == "enable":
            if len(args) != 1:
                raise _Error(f"'{prefix} enable' needs one interface name (nameif), e.g. '{prefix} enable outside'")
            self.interfaces.add(args[0])
        elif sub == "policy":
            self.policy(prefix, args)
        elif sub == "nat-traversal" and family == "isakmp":
            if not args:
                self.nat_traversal = NAT_KEEPALIVE_DEFAULT
            elif len(args) == 1:
                self.nat_traversal = self.integer(args[0], "nat-traversal keepalive", NAT_KEEPALIVE_RANGE, "seconds")
            else:
                raise _Error(f"unexpected '{' '.join(args[1:])}' after 'crypto isakmp nat-traversal {args[0]}'")
        elif sub in IGNORED_ISAKMP_COMMANDS:
            pass
        else:
            raise _Error(
                f"unknown command '{prefix} {words[2]}' (expected {prefix} enable, {prefix} policy or crypto isakmp "
                f"nat-traversal; also accepted and ignored: {', '.join(IGNORED_ISAKMP_COMMANDS)})"
            )

    def policy(self, prefix: str, args: list[str]) -> None:
        if len(args) != 1:
            raise _Error(f"'{prefix} policy' needs one policy number (1-65535), e.g. '{prefix} policy 10'")
        priority = self.integer(args[0], "policy number", POLICY_PRIORITY_RANGE)
        draft = self.policies.get(priority)
        if draft is None:
            if len(self.policies) >= MAX_POLICIES:
                raise _Error(f"too many IKEv1 policies: the ASA allows at most {MAX_POLICIES}")
            draft = self.policies[priority] = _PolicyDraft(priority, self.lineno)
        self.block = ("policy", draft)

    def tunnel_group(self, line: str, words: list[str]) -> None:
        if len(words) < 3:
            raise _Error("incomplete tunnel-group command (expected 'tunnel-group NAME type ipsec-l2l' or "
                         "'tunnel-group NAME ipsec-attributes')")
        # a tunnel-group named through a ``name`` entry is the group of that address (README, "Choices where the
        # facts are uncertain")
        name, what = self.names.get(words[1], words[1]), words[2].lower()
        if what == "type":
            if len(words) != 4:
                raise _Error(f"'tunnel-group {name} type' needs one type ({_choices(TUNNEL_GROUP_TYPES)})")
            kind = words[3].lower()
            if kind not in TUNNEL_GROUP_TYPES:
                raise _Error(f"unsupported tunnel-group type '{words[3]}' (expected {_choices(TUNNEL_GROUP_TYPES)})")
            existing = self.groups.get(name)
            if existing is None:
                self.groups[name] = TunnelGroup(name, kind, None, self.lineno)
            elif existing.type != kind:
                raise _Error(f"tunnel-group {name} is already type {existing.type}; its type cannot be changed")
            elif existing.line == 0:
                self.groups[name] = dataclasses.replace(existing, line=self.lineno)
            return
        if len(words) != 3:
            raise _Error(f"unexpected '{' '.join(words[3:])}' after 'tunnel-group {name} {words[2]}'")
        if what == "ipsec-attributes":
            if name not in self.groups:
                raise _Error(f"tunnel-group {name} does not exist: declare it first with "
                             f"'tunnel-group {name} type ipsec-l2l'")
            group = self.groups[name]
            if group.line == 0:
                self.groups[name] = dataclasses.replace(group, line=self.lineno)
            self.block = ("ipsec-attributes", name)
        elif what in IGNORED_ATTRIBUTE_BLOCKS:
            if name not in self.groups and name != DEFAULT_WEBVPN_GROUP:
                raise _Error(f"tunnel-group {name} does not exist: declare it first with "
                             f"'tunnel-group {name} type ipsec-l2l'")
            self.block = ("ignore", None)
        else:
            raise _Error(f"unknown tunnel-group command '{words[2]}' (expected type, ipsec-attributes or "
                         f"{_choices(IGNORED_ATTRIBUTE_BLOCKS)})")

    # -- sub-commands ----------------------------------------------------------------------------------------

    def interface_sub_command(self, draft: dict, line: str) -> None:
        words = line.split()
        lower = [w.lower() for w in words]
        if lower[0] == "nameif" and len(words) == 2:
            draft["nameif"] = words[1]
        elif lower[0] == "ip" and len(words) >= 3 and abbreviation(lower[1], ("address",)):
            raise abbreviated(line.strip(), "ip address " + " ".join(words[2:]))
        elif lower[:2] == ["ip", "address"] and len(words) >= 4:
            try:
                draft["address"] = str(ipaddress.IPv4Address(words[2]))
            except ValueError:
                pass  # "ip address dhcp", "ip address pppoe": no static address
        elif lower[:2] == ["crypto", "map"]:
            raise other_dialect(line.strip(), "ASA", "IOS", "an ASA binds a crypto map with 'crypto map NAME "
                                f"interface NAMEIF' (the interface's nameif)")

    def ios_crypto_map_sub_command(self, line_of_entry: str, line: str) -> None:
        raise other_dialect(line.strip(), "ASA", "IOS", f"under '{line_of_entry}': an ASA writes each crypto map "
                            "setting on its own line, e.g. 'crypto map NAME 10 set peer 198.51.100.20'")

    def policy_sub_command(self, draft: _PolicyDraft, line: str) -> None:
        words = line.split()
        keyword = words[0].lower()
        known = ("authentication", "encryption", "hash", "group", "lifetime")
        if keyword == "encr":
            raise _Error(f"unknown policy command 'encr' in crypto ikev1 policy {draft.priority}: "
                         f"'{line.strip()}' looks like IOS syntax, but this is an ASA config: an ASA writes "
                         "'encryption aes-256' (des, 3des, aes, aes-192 or aes-256)")
        if keyword not in known and abbreviation(keyword, known):
            raise abbreviated(line.strip(), " ".join([abbreviation(keyword, known)] + words[1:]))
        if keyword not in known:
            raise _Error(f"unknown policy command '{words[0]}' in crypto ikev1 policy {draft.priority} "
                         f"(expected {_choices(known)})")
        if len(words) == 1:
            raise _Error(f"'{keyword}' needs a value")
        if len(words) > 2:
            extra = " ".join(words[2:])
            hint = " (ASA has no end-of-line comments: put '!' comments on their own line)" if extra.startswith("!") else ""
            if keyword == "encryption" and words[1].lower() == "aes" and extra in ("128", "192", "256"):
                hint = (f": 'encryption aes {extra}' looks like IOS syntax, but this is an ASA config: an ASA writes "
                        f"'encryption aes-{extra}'" if extra != "128" else "'encryption aes'")
            raise _Error(f"unexpected '{extra}' after '{keyword} {words[1]}'{hint}")
        value = words[1].lower()
        settings = draft.settings
        if keyword == "authentication":
            if value not in AUTHENTICATIONS:
                raise _Error(f"unknown authentication '{words[1]}' (expected {_choices(list(AUTHENTICATIONS))})")
            settings["auth"] = AUTHENTICATIONS[value]
        elif keyword == "encryption":
            if value not in ENCRYPTIONS:
                raise _Error(f"unknown encryption '{words[1]}' (expected {_choices(list(ENCRYPTIONS))})")
            settings["encryption"], settings["key_length"] = ENCRYPTIONS[value]
        elif keyword == "hash":
            if value not in HASHES:
                hint = "; ASA IKEv1 policies have no SHA-2 hashes" if value.startswith("sha") else ""
                raise _Error(f"unknown hash '{words[1]}' (expected {_choices(list(HASHES))}{hint})")
            settings["hash"] = HASHES[value]
        elif keyword == "group":
            if value not in GROUPS:
                raise _Error(f"unsupported Diffie-Hellman group '{words[1]}' (expected {_choices(list(GROUPS))})")
            settings["group"] = GROUPS[value]
        elif value == "none":
            settings["lifetime"] = LIFETIME_NONE
        else:
            settings["lifetime"] = self.integer(words[1], "lifetime", LIFETIME_RANGE, "seconds")

    def ipsec_attribute(self, name: str, line: str) -> None:
        words = line.split()
        first = words[0].lower()
        second = words[1].lower() if len(words) > 1 else ""
        if first == "ikev1" and second == "pre-shared-key":
            keyword = "ikev1 pre-shared-key"
        elif first == "pre-shared-key":
            keyword = "pre-shared-key"
        elif (first, second) == ("isakmp", "keepalive") or first == "peer-id-validate" or first == "ikev2":
            return
        elif (first, second) in IGNORED_IPSEC_ATTRIBUTES or (first,) in IGNORED_IPSEC_ATTRIBUTES:
            return
        elif first == "crypto":
            raise other_dialect(line.strip(), "ASA", "IOS", f"under 'tunnel-group {name} ipsec-attributes' the key "
                                "is ' ikev1 pre-shared-key KEY'")
        elif first == "ikev1" and abbreviation(second, ("pre-shared-key",)):
            raise abbreviated(" ".join(words[:2]), "ikev1 pre-shared-key")
        elif abbreviation(first, ("pre-shared-key",)) and len(first) > 3:
            raise abbreviated(words[0], "pre-shared-key")
        else:
            shown = " ".join(words[:2]) if first == "ikev1" else words[0]
            raise _Error(f"unknown ipsec-attributes command '{shown}' in tunnel-group {name} (expected ikev1 "
                         "pre-shared-key, pre-shared-key (pre-8.4), isakmp keepalive, peer-id-validate or ikev2 ...)")
        words_before_key = keyword.count(" ") + 1
        parts = line.split(None, words_before_key)
        key = parts[words_before_key] if len(parts) > words_before_key else ""
        if not key.strip():
            raise _Error(f"'{keyword}' needs a key, e.g. '{keyword} Vpn-Lab-Key1'")
        if is_masked_key(key):
            raise _Error(f"the key '{key}' is the masked form printed by 'show running-config'; use the real key "
                         "(the ASA shows it with 'more system:running-config')")
        if len(key) > PSK_MAX_LENGTH:
            raise _Error(f"the pre-shared key is {len(key)} characters long; the ASA allows 1 to {PSK_MAX_LENGTH}")
        self.groups[name] = dataclasses.replace(self.groups[name], psk=key)

    # -- values ----------------------------------------------------------------------------------------------


#: a masked key: ``*****`` from ``show running-config``, or ``8 <hash>`` (encrypted with the master passphrase)
MASKED_KEY = re.compile(r"\*+|8 \S+")
#: a key line of ``tunnel-group ... ipsec-attributes``: group 1 the keyword part, group 2 the key
KEY_LINE = re.compile(r"^(\s+(?:ikev1 )?pre-shared-key )(.*?)\s*$", re.M | re.I)


def is_masked_key(key: str) -> bool:
    return MASKED_KEY.fullmatch(key.strip()) is not None


def masked_key_lines(text: str) -> list[int]:
    """The 1-based lines whose pre-shared key is masked (``*****`` or ``8 <hash>``)."""
    return [text.count("\n", 0, m.start()) + 1 for m in KEY_LINE.finditer(text) if is_masked_key(m.group(2))]


def unmask_keys(text: str, key: str) -> str:
    """``text`` with every masked pre-shared key replaced by ``key`` (``--key HOST=KEY``)."""
    return KEY_LINE.sub(lambda m: m.group(1) + key if is_masked_key(m.group(2)) else m.group(0), text)


def parse_asa_config(text: str) -> AsaConfig:
    """Parse ASA configuration text. Errors: :class:`InputError` with ``line`` (1-based, within ``text``) and
    ``field="config"``."""
    return _Parser(text).run()
