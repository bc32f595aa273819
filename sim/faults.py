"""The fault catalogue: named faults that break a healthy lab the way real networks break.

A fault is a *cause*: it edits a device's configuration text (so the trainee can read the broken line, exactly as
they would type it) or adds rules to the path between the peers. It never names a state: what each side shows comes
from running the protocol against the broken lab.

    >>> from sim import faults, load_scenario, run
    >>> broken = faults.apply(load_scenario("healthy"), ["psk-mismatch"])
    >>> run(broken).show("ASA-LAB2")          # MM_WAIT_MSG5, because MM5 really does not decrypt

Scenario files use them with ``base: healthy`` and ``faults: [psk-mismatch]`` (see the README). This module holds
the catalogue (names, titles, explanations, fixes) and path rules only: configuration changes are platform-neutral
intents (:mod:`sim.platforms.intents`) that each device's platform applies in its own dialect
(``sim/platforms/<name>/edits.py``), and each edit checks that it found the line it changes, so a fault can never
silently do nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .engine.path import Delay, Drop, Loss, Nat, NoRoute
from .errors import InputError
from .platforms import intents, registry
from .platforms.intents import EditError
from .reconfigure import reparse_device

if TYPE_CHECKING:  # sim.scenario imports this module to apply a scenario's ``faults:``; no import back
    from .scenario import DeviceSpec, Scenario


@dataclass(frozen=True)
class Fault:
    name: str
    title: str
    explanation: str  # one paragraph: what is wrong and what the protocol does about it
    fix: str
    edit: Callable[[Scenario], Scenario]


#: raised by an edit that does not fit the lab; the same class the platforms raise for a missing line
FaultError = EditError


# -- editing helpers ------------------------------------------------------------------------------------------------


def _device(scenario: Scenario, role: str) -> DeviceSpec:
    return scenario.initiator if role == "initiator" else scenario.responder


def _peer(scenario: Scenario, role: str) -> DeviceSpec:
    return scenario.responder if role == "initiator" else scenario.initiator


def _with_device(scenario: Scenario, role: str, *, text: str | None = None, outside: str | None = None) -> Scenario:
    device = reparse_device(_device(scenario, role), config_text=text, outside=outside, source=scenario.source)
    return dataclasses.replace(scenario, **{role: device})


def _applied(device: DeviceSpec, *changes) -> str:
    """``device``'s config text with each intent applied by its platform, in order."""
    platform, text = registry.get(device.platform), device.config_text
    for change in changes:
        text = platform.edit(text, change)
    return text


def _edit(role: str, change: Callable[[DeviceSpec, DeviceSpec], object]) -> Callable[[Scenario], Scenario]:
    """A fault step: the intent ``change(device, peer)`` applied to the ``role`` device's config."""
    def edit(scenario: Scenario) -> Scenario:
        device, peer = _device(scenario, role), _peer(scenario, role)
        return _with_device(scenario, role, text=_applied(device, change(device, peer)))

    return edit


def _policy(keyword: str, value: str) -> Callable[[DeviceSpec, DeviceSpec], object]:
    return lambda device, peer: intents.SetPolicyValue(keyword, value)


def _key(change: Callable[[str], str]) -> Callable[[DeviceSpec, DeviceSpec], object]:
    return lambda device, peer: intents.SetKey(peer.outside, change)


def _verbatim_key_side(scenario: Scenario) -> str:
    """The side whose platform keeps a key's trailing blank (``Platform.keeps_key_trailing_blank``)."""
    notes = []
    for role in ("responder", "initiator"):
        platform = registry.get(_device(scenario, role).platform)
        if platform.keeps_key_trailing_blank:
            return role
        if platform.key_blank_note not in notes:
            notes.append(platform.key_blank_note)
    raise FaultError(f"cannot apply: {'; '.join(notes)}, so neither side can store a trailing blank")


def _trailing_space(scenario: Scenario) -> Scenario:
    role = _verbatim_key_side(scenario)
    return _edit(role, _key(lambda k: k + " "))(scenario)


def _add_path(*rules) -> Callable[[Scenario], Scenario]:
    def edit(scenario: Scenario) -> Scenario:
        return dataclasses.replace(scenario, path=tuple(scenario.path) + tuple(rules))

    return edit


def _chain(*edits: Callable[[Scenario], Scenario]) -> Callable[[Scenario], Scenario]:
    def edit(scenario: Scenario) -> Scenario:
        for step in edits:
            scenario = step(scenario)
        return scenario

    return edit


def _typo(address: str) -> str:
    """A one-digit typo in the last octet, as in a mistyped tunnel-group name."""
    head, last = address.rsplit(".", 1)
    return f"{head}.{last[:-1] or '1'}" if len(last) > 1 else f"{head}.{(int(last) + 1) % 10}"


def _mistyped_peer(scenario: Scenario) -> Scenario:
    old = scenario.initiator.outside
    return _with_device(scenario, "responder",
                        text=_applied(scenario.responder, intents.RenamePeer(old, _typo(old))))


NAT_INSIDE = "10.0.0.2"
NAT_PUBLIC = "192.0.2.1"


def _behind_pat(scenario: Scenario) -> Scenario:
    """The initiator moves behind a PAT device: inside NAT_INSIDE, seen by the responder as NAT_PUBLIC."""
    initiator, responder = scenario.initiator, scenario.responder
    old = initiator.outside
    itext = _applied(initiator, intents.MoveOutside(old, NAT_INSIDE), intents.EnableNatT())
    scenario = _with_device(scenario, "initiator", text=itext, outside=NAT_INSIDE)
    rtext = _applied(responder, intents.RenamePeer(old, NAT_PUBLIC), intents.EnableNatT())
    scenario = _with_device(scenario, "responder", text=rtext)
    return dataclasses.replace(scenario, path=(Nat("initiator", NAT_PUBLIC, "PAT on the branch's ISP router"),)
                               + tuple(scenario.path))


# -- the catalogue --------------------------------------------------------------------------------------------------

_ALL = [
    Fault("udp500-blocked", "UDP 500 blocked towards the responder",
          "A firewall between the peers drops UDP 500 on its way to the responder. MM1 never arrives, so the "
          "responder never creates an SA; the initiator resends MM1 on its timer until it gives up and removes "
          "the SA.",
          "Permit UDP 500 (and 4500 for NAT-T) from the initiator's public address to the responder on every "
          "firewall and ACL in between.",
          _add_path(Drop("udp", 500, "initiator", "ACL on FW-EDGE: deny udp any any eq isakmp (inbound)"))),
    Fault("return-path-blocked", "UDP 500 blocked on the way back",
          "MM1 reaches the responder, which answers with MM2 and waits for MM3; MM2 dies on the return path (an ACL "
          "or a broken route back). The initiator keeps resending MM1, the responder answers each copy as a "
          "duplicate, and both give up.",
          "Permit UDP 500 from the responder back to the initiator and check the return route on both ISPs' edges.",
          _add_path(Drop("udp", 500, "responder", "ACL on FW-EDGE: deny udp any eq isakmp any (outbound)"))),
    Fault("no-route", "No route to the responder",
          "The initiator's datagrams have no route to the responder (a missing default route or a blackholed "
          "prefix). Nothing arrives; the initiator retransmits MM1 and gives up.",
          "Fix the route toward the peer (`route outside 0.0.0.0 0.0.0.0 <gateway>` on the ASA, `ip route` on IOS) "
          "and check the ISP path with traceroute from the outside interface.",
          _add_path(NoRoute("initiator", "no route to the peer (blackholed)"))),
    Fault("ikev1-disabled-initiator", "IKEv1 not enabled on the initiator",
          "The initiator has no `crypto ikev1 enable outside` (IOS: no crypto map on the interface), so no "
          "IKE process runs there: interesting traffic starts nothing and no datagram leaves.",
          "Enable IKEv1 on the outside interface (`crypto ikev1 enable outside`; IOS: `crypto map NAME` under the "
          "interface).",
          _edit("initiator", lambda d, p: intents.DisableIke())),
    Fault("ikev1-disabled-responder", "IKEv1 not enabled on the responder",
          "The responder has no IKE listener on its outside interface, so MM1 arrives and is ignored: nothing "
          "answers. From the initiator this looks exactly like UDP 500 blocked.",
          "Enable IKEv1 on the responder's outside interface (`crypto ikev1 enable outside`; IOS: apply the crypto "
          "map to the interface).",
          _edit("responder", lambda d, p: intents.DisableIke())),
    Fault("proposal-encryption", "Phase-1 encryption differs",
          "The responder's ISAKMP policy uses another cipher, so no offered transform matches. The responder "
          "rejects MM1 (ASA syslog 713257, NO-PROPOSAL-CHOSEN sent in clear, which the initiator cannot "
          "authenticate and drops); the initiator retransmits MM1 and gives up.",
          "Make one ISAKMP policy identical on both sides: encryption, hash, authentication and group.",
          _edit("responder", _policy("encryption", "3des"))),
    Fault("proposal-hash", "Phase-1 hash differs",
          "The responder's ISAKMP policy uses another hash, so the offer is rejected at MM1 and nothing usable "
          "comes back.",
          "Align the hash (`hash sha` on both, or a second policy that matches).",
          _edit("responder", _policy("hash", "md5"))),
    Fault("proposal-group", "Diffie-Hellman group differs",
          "The responder's ISAKMP policy uses another Diffie-Hellman group; no transform matches and MM1 is "
          "rejected.",
          "Use the same DH group on both sides (group 14 where both support it).",
          _edit("responder", _policy("group", "5"))),
    Fault("proposal-auth", "Authentication method differs",
          "The responder's ISAKMP policy says rsa-sig (certificates) while the initiator offers pre-shared keys; "
          "the offer is rejected at MM1.",
          "Use `authentication pre-share` on both sides (or certificates on both).",
          _edit("responder", _policy("auth", "rsa-sig"))),
    Fault("lifetime-longer-responder", "Responder's lifetime longer than the initiator's",
          "For IKEv1 the responder accepts a proposal only when its own lifetime is at most the offered one. The "
          "initiator offers 3600 s, the responder is set to 86400 s: no match at MM1.",
          "Set the same lifetime on both sides, or make the responder's the shorter one.",
          _edit("initiator", _policy("lifetime", "3600"))),
    Fault("missing-tunnel-group", "Responder has no tunnel-group for the initiator",
          "The responder's tunnel-group (IOS: its `crypto isakmp key ... address`) names a mistyped address, so "
          "when MM3 arrives it finds no pre-shared key for the initiator's address (in Main Mode the key is chosen by IP before the peer's identity is "
          "known). It drops MM3 and sends no MM4; the initiator waits in MM_WAIT_MSG4 and retransmits MM3. An IOS "
          "responder already looks the key up at MM1: without one its pre-share policies cannot match, so it refuses "
          "MM1 and the initiator waits in MM_WAIT_MSG2 (IOS: MM_NO_STATE) instead.",
          "Name the tunnel-group (IOS: the `crypto isakmp key ... address`) after the initiator's public address.",
          _mistyped_peer),
    Fault("missing-tunnel-group-default-key", "No tunnel-group, but a default key matches",
          "The responder has no key for the initiator's own address, but a default one carries the same key: "
          "DefaultL2LGroup's pre-shared key on an ASA (syslog 713139), a wildcard `crypto isakmp key ... address "
          "0.0.0.0 0.0.0.0` on IOS. It falls back to it and Phase 1 completes. Useful to show why a tunnel works "
          "although its tunnel-group is missing.",
          "Nothing is broken, but every unknown peer that knows the key gets in: prefer a key (tunnel-group) per "
          "peer.",
          _edit("responder", lambda d, p: intents.DefaultGroupKey(p.outside))),
    Fault("psk-mismatch", "Pre-shared keys differ",
          "The keys differ by one character. Everything up to MM4 works (the key is never sent), but the keys "
          "each side derives differ, so the responder cannot decrypt MM5: it drops it and sends no MM6. The "
          "initiator sits in MM_WAIT_MSG6 retransmitting MM5; the responder in MM_WAIT_MSG5.",
          "Re-enter the same key on both sides (`tunnel-group <peer> ipsec-attributes` / `ikev1 pre-shared-key`; "
          "IOS `crypto isakmp key`).",
          _edit("responder", _key(lambda k: k[:-1] + ("2" if k[-1:] != "2" else "3")))),
    Fault("psk-trailing-space", "A key pasted with a trailing space",
          "The key on the ASA (the responder, or the initiator when the responder is an IOS router, whose keys "
          "are single words) was pasted with a trailing space, which the ASA keeps as part of the key. The keys "
          "look identical in the config but differ, so MM5 does not decrypt at the responder.",
          "Re-type the key without the trailing blank (check with `more system:running-config`).",
          _trailing_space),
    Fault("psk-special-char", "A key mangled by a word processor",
          "The key was sent by e-mail and pasted from a word processor, which turned each hyphen into an en dash "
          "(U+2013). It looks the same on screen but is a different key, so MM5 does not decrypt at the "
          "responder.",
          "Type the key by hand (or paste it from a plain-text source) on both sides.",
          _edit("responder", _key(lambda k: k.replace("-", "\u2013") if "-" in k else k + "\u2013")),
          ),
    Fault("initiator-no-psk", "Initiator has no pre-shared key",
          "The initiator has no pre-shared key for the responder (ASA: its tunnel-group has no `ikev1 "
          "pre-shared-key`; IOS: no `crypto isakmp key` for the peer's address). An ASA still starts Main Mode, but "
          "after MM4 it cannot derive its keys, sends no MM5 and tears the SA down; the responder waits in "
          "MM_WAIT_MSG5. An IOS router does not even start: no MM1 leaves.",
          "Configure the key on the initiator (`ikev1 pre-shared-key` under the tunnel-group's ipsec-attributes; "
          "IOS `crypto isakmp key <key> address <peer>`).",
          _edit("initiator", lambda d, p: intents.RemoveKey(p.outside))),
    Fault("nat-t", "Initiator behind PAT, NAT-T on both sides",
          "The initiator sits behind a PAT device. Both announce NAT traversal in MM1/MM2, the NAT-D hashes in "
          "MM3/MM4 reveal the translation, and from MM5 on both float to UDP 4500 with the 4-byte non-ESP marker. "
          "Phase 1 completes; the responder sees the PAT's address as its peer.",
          "Nothing is broken: this is how it should look. Name the responder's tunnel-group after the PAT address.",
          _behind_pat),
    Fault("nat-t-4500-blocked", "Behind PAT, but UDP 4500 is blocked",
          "As nat-t, but a firewall drops UDP 4500. MM1-MM4 on UDP 500 pass; after NAT is detected MM5 floats to "
          "4500 and dies. The initiator sits in MM_WAIT_MSG6 and the responder in MM_WAIT_MSG5, which looks like a "
          "key mismatch until you notice the ports.",
          "Permit UDP 4500 alongside UDP 500 in both directions.",
          _chain(_behind_pat, _add_path(Drop("udp", 4500, None, "ACL on FW-EDGE: deny udp any any eq 4500")))),
    Fault("loss-recovers", "One lost datagram, repaired by retransmission",
          "The first MM2 is lost on the way back (a burst of loss). The responder waits in MM_WAIT_MSG3; eight "
          "seconds later the initiator resends MM1, the responder recognises the duplicate and resends MM2, and "
          "Phase 1 completes about eight seconds late.",
          "Nothing to fix in the config; if it happens often, find the lossy link.",
          _add_path(Drop("udp", 500, "responder", "loss burst on the ISP link (first datagram only)", count=1))),
    Fault("loss-fatal", "Heavy loss: retransmissions run out",
          "The path loses 85 % of datagrams in each direction. Retransmissions repair a few losses, but not "
          "enough: the initiator eventually gives up. Where it sticks depends on which datagrams were lost.",
          "Fix the link (errors, congestion, a flapping route) before touching the VPN configuration.",
          _add_path(Loss(0.85, None, "85 % loss on the ISP link"))),
    Fault("delay", "A slow path: 5 s each way",
          "Every datagram takes 5 s each way, longer than half the 8 s retransmission interval. Both sides resend "
          "before the answers arrive, duplicates appear, and Phase 1 completes late. At first glance it looks "
          "stuck.",
          "Nothing in the VPN config: check the path (satellite, congested or shaped links).",
          _add_path(Delay(5.0, None, "5 s one-way delay"))),
]

CATALOGUE: dict[str, Fault] = {fault.name: fault for fault in _ALL}


def names() -> list[str]:
    return list(CATALOGUE)


def apply(scenario: Scenario, fault_names: list[str] | tuple[str, ...]) -> Scenario:
    """``scenario`` with each named fault applied in order. Unknown names and faults that do not fit the lab
    (e.g. the line they change is missing) raise :class:`InputError`."""
    for name in fault_names:
        fault = CATALOGUE.get(name)
        if fault is None:
            raise InputError(f"unknown fault {name!r} (known: {', '.join(CATALOGUE)})", field="faults")
        try:
            scenario = fault.edit(scenario)
        except FaultError as exc:
            raise InputError(f"fault {name!r} {exc.message}", source=scenario.source, field="faults") from None
    return scenario
