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
     lifetime 86400                             ! 120..2147483647 seconds
    crypto isakmp nat-traversal 20              ! keepalive seconds, 20 when omitted
    tunnel-group 50.56.229.98 type ipsec-l2l    ! ipsec-l2l | remote-access
    tunnel-group 50.56.229.98 ipsec-attributes
     ikev1 pre-shared-key Vpn-Lab-Key1          ! pre-8.4: pre-shared-key Vpn-Lab-Key1

Line structure: a line that starts with whitespace is a sub-command of the last line that did not (its "block");
``!`` and ``:`` lines and blank lines are comments and do not end a block. ASA has no end-of-line comments, so
everything after ``pre-shared-key`` is the key (trailing whitespace removed).

What is ignored: every line that does not matter to IKE phase 1 (``interface`` blocks, ``nameif``, ``access-list``,
``crypto ipsec``, ``crypto map``, ``crypto ikev2``, ``route``, ``object``, ``nat``, ``names``, ...), plus a few
``crypto isakmp`` commands that do not change a Main Mode exchange between two peers (``identity``,
``am-disable``, ``disconnect-notify``, ``reload-wait``, ``ipsec-over-tcp``) and, inside ``ipsec-attributes``,
``isakmp keepalive``, ``peer-id-validate`` and ``ikev2 ...``.

What is an error (:class:`~sim.errors.InputError` with ``field="config"`` and the 1-based line within the text):
any other ``crypto ikev1``/``crypto isakmp`` line, any other sub-command of a policy or ``ipsec-attributes`` block,
bad values, a ``tunnel-group`` type other than ``ipsec-l2l``/``remote-access``, attributes for a tunnel-group that
was never declared (the ASA says ``tunnel-group X does not exist``), a masked key (``*****``) copied from
``show running-config``.

Keywords are case-insensitive; tunnel-group names and keys are case-sensitive. Abbreviations (``encr``) are not
accepted: scenario configs should read like ``show running-config``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from sim.ike.config import IkeConfig, PeerKey, Retransmit
from sim.ike.constants import Auth, Encryption, Hash
from sim.ike.policy import Policy

from ..configtext import BlockParser, PolicyDraft as _PolicyDraft, integer
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
IGNORED_ISAKMP_COMMANDS = ("identity", "am-disable", "disconnect-notify", "reload-wait", "ipsec-over-tcp")
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
        return IkeConfig(
            address=address,
            listening=interface in self.ikev1_interfaces,
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
    SUB_HANDLERS = {"policy": "policy_sub_command", "ipsec-attributes": "ipsec_attribute"}
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
        )

    # -- top level -------------------------------------------------------------------------------------------

    def command(self, line: str) -> None:
        words = line.split()
        head = words[0].lower()
        if head in ("hostname", "tunnel-group", "crypto", "no"):
            self.block = ("leaf", line)  # until a block-opening command says otherwise
        if head == "hostname":
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

    def crypto_ike(self, words: list[str]) -> None:
        family = words[1].lower()  # ikev1 | isakmp
        prefix = f"crypto {family}"
        if len(words) < 3:
            raise _Error(f"incomplete command '{prefix}' (expected enable, policy or nat-traversal)")
        sub = words[2].lower()
        args = words[3:]
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
        name, what = words[1], words[2].lower()
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

    def policy_sub_command(self, draft: _PolicyDraft, line: str) -> None:
        words = line.split()
        keyword = words[0].lower()
        known = ("authentication", "encryption", "hash", "group", "lifetime")
        if keyword not in known:
            raise _Error(f"unknown policy command '{words[0]}' in crypto ikev1 policy {draft.priority} "
                         f"(expected {_choices(known)})")
        if len(words) == 1:
            raise _Error(f"'{keyword}' needs a value")
        if len(words) > 2:
            extra = " ".join(words[2:])
            hint = " (ASA has no end-of-line comments: put '!' comments on their own line)" if extra.startswith("!") else ""
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
        else:
            shown = " ".join(words[:2]) if first == "ikev1" else words[0]
            raise _Error(f"unknown ipsec-attributes command '{shown}' in tunnel-group {name} (expected ikev1 "
                         "pre-shared-key, pre-shared-key (pre-8.4), isakmp keepalive, peer-id-validate or ikev2 ...)")
        words_before_key = keyword.count(" ") + 1
        parts = line.split(None, words_before_key)
        key = parts[words_before_key] if len(parts) > words_before_key else ""
        if not key.strip():
            raise _Error(f"'{keyword}' needs a key, e.g. '{keyword} Vpn-Lab-Key1'")
        if set(key) == {"*"}:
            raise _Error(f"the key '{key}' is the masked form printed by 'show running-config'; use the real key "
                         "(the ASA shows it with 'more system:running-config')")
        if len(key) > PSK_MAX_LENGTH:
            raise _Error(f"the pre-shared key is {len(key)} characters long; the ASA allows 1 to {PSK_MAX_LENGTH}")
        self.groups[name] = dataclasses.replace(self.groups[name], psk=key)

    # -- values ----------------------------------------------------------------------------------------------


def parse_asa_config(text: str) -> AsaConfig:
    """Parse ASA configuration text. Errors: :class:`InputError` with ``line`` (1-based, within ``text``) and
    ``field="config"``."""
    return _Parser(text).run()
