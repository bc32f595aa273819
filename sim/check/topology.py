"""Who talks to whom: each box's address facing the other, and the address each uses for the other.

Evidence, in order: the other box's crypto map ``set peer`` addresses and its tunnel-group / ``crypto isakmp key`` /
keyring peers, matched against this box's interface addresses (a NAT rule ``nat A 192.0.2.1`` adds A's public address);
then the one interface IKE runs on. When that leaves no answer or several, :class:`InputError` says which option to
give (``--address A=IP``, ``--peer A=IP``, ``--path 'nat A IP'``); the CLI exits 2.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ..errors import InputError
from .read import Box


@dataclass(frozen=True)
class Side:
    box: Box
    address: str  # this box's own address on the interface facing the other
    interface: str | None  # that interface (ASA nameif, IOS interface name)
    public: str  # how the other box sees it (the NAT address when a nat rule covers it)
    how: str  # why we think so, for the report


@dataclass(frozen=True)
class Topology:
    a: Side
    b: Side
    notes: tuple[str, ...] = field(default=())

    def side(self, label: str) -> Side:
        return self.a if label == "A" else self.b

    def other(self, label: str) -> Side:
        return self.b if label == "A" else self.a


def references(box: Box) -> dict[str, str]:
    """Addresses ``box`` names as peers -> where (crypto map entry, tunnel-group, key)."""
    out: dict[str, str] = {}
    for entry in box.config.map_peers():
        for peer in entry.peers:
            out.setdefault(peer, f"crypto map {entry.map} {entry.seq} set peer {peer}")
    for peer in box.config.keyed_peers():
        what = box.dialect.peer_entry(peer, box.config)
        out.setdefault(peer, what)
    return out


def _is_private(address: str) -> bool:
    return ipaddress.IPv4Address(address).is_private


def _own_address(box: Box, other: Box, public: str | None, given: str | None, peer_given: str | None) -> tuple[str, str]:
    """(address, how) of ``box``'s interface facing ``other``."""
    addresses = box.config.interface_addresses()
    listed = ", ".join(f"{a} ({n})" for a, n in addresses.items()) or "none"
    if not addresses:
        raise InputError(f"{box.hostname} has no interface with a static IPv4 address (a fragment, or addresses "
                         "masked by whoever published it): ikesim check needs each box's whole running-config, "
                         "with the interface that faces the peer and its 'ip address'", source=box.source)
    if given is not None:
        if given not in addresses:
            raise InputError(f"--address {box.label}={given}: {box.hostname} has no interface with that address "
                             f"(its interface addresses: {listed})", source=box.source)
        return given, f"--address {box.label}={given}"
    if peer_given is not None:
        if peer_given in addresses:
            return peer_given, f"--peer {other.label}={peer_given}"
        if public is None or peer_given != public:
            raise InputError(f"--peer {other.label}={peer_given}: that is none of {box.hostname}'s addresses "
                             f"({listed}); if {box.hostname} sits behind NAT as {peer_given}, give --path 'nat "
                             f"{box.label} {peer_given}'", source=box.source)
    refs = references(other)
    matched = [a for a in addresses if a in refs]
    if len(matched) == 1:
        return matched[0], f"{other.hostname}'s {refs[matched[0]]}"
    if len(matched) > 1:
        raise InputError(f"{other.hostname} names several of {box.hostname}'s addresses as peers "
                         f"({', '.join(matched)}): give --address {box.label}=IP (its own address facing {other.hostname}) "
                         f"or --peer {other.label}=IP (the address {other.hostname} uses for it)", source=box.source)
    ike = [a for a, n in addresses.items() if n in box.config.ike_interfaces()]
    if public is not None and public in refs:
        if len(ike) == 1:
            return ike[0], f"the interface IKE runs on, behind NAT as {public}"
        raise InputError(f"{box.hostname} sits behind NAT as {public}, but which of its addresses is inside that NAT "
                         f"is not clear ({listed}): give --address {box.label}=IP", source=box.source)
    unknown = [r for r in refs if r not in addresses]
    hint = ""
    if len(unknown) == 1:
        hint = (f"; {other.hostname} names {unknown[0]} ({refs[unknown[0]]}): if {box.hostname} sits behind NAT as "
                f"{unknown[0]}, give --path 'nat {box.label} {unknown[0]}'")
    elif len(unknown) > 1:
        hint = (f"; {other.hostname} names several peers ({', '.join(unknown)}): if {box.hostname} is one of them "
                f"behind NAT, give --path 'nat {box.label} IP'")
    if len(ike) == 1 and not unknown:
        return ike[0], f"the one interface IKE runs on ({addresses[ike[0]]})"
    raise InputError(f"cannot tell which address of {box.hostname} faces {other.hostname}: none of its interface "
                     f"addresses ({listed}) is a peer in {other.hostname}'s config{hint}; otherwise give "
                     f"--address {box.label}=IP", source=box.source)


def infer(a: Box, b: Box, nat: dict[str, str], addresses: dict[str, str], peers: dict[str, str]) -> Topology:
    """``nat``: label -> public address (``--path 'nat A IP'``); ``addresses``: label -> own address
    (``--address``); ``peers``: label -> the address that box uses for the other (``--peer``)."""
    sides = {}
    for box, other in ((a, b), (b, a)):
        public = nat.get(box.label)
        address, how = _own_address(box, other, public, addresses.get(box.label), peers.get(other.label))
        interface = box.config.interface_addresses().get(address)
        sides[box.label] = Side(box, address, interface, public or address, how)
    if sides["A"].address == sides["B"].address:
        raise InputError(f"both configs have the address {sides['A'].address} on the interface facing the other: "
                         "these look like two copies of one box; give --address A=IP and --address B=IP",
                         source=b.source)
    notes = []
    for label in ("A", "B"):
        side = sides[label]
        if side.public != side.address and not _is_private(side.address):
            notes.append(f"{side.box.hostname} is behind NAT as {side.public} with a public inside address "
                         f"{side.address}")
    return Topology(sides["A"], sides["B"], tuple(notes))
