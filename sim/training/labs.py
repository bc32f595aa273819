"""Healthy labs generated from a seed: two peers with real configuration text, ready for a fault.

Every lab is a scenario *file* first: :func:`lab_text` writes the YAML (each device's config as a literal block, the
way an instructor would write it by hand) and :func:`generate_lab` loads it with :func:`sim.load_scenario_text`, so a
trainee reads the same config lines the parser read, and a fault edits those lines. Same seed and platform, same
lab, byte for byte.

    >>> lab = generate_lab(7, "asa")
    >>> lab.scenario.initiator.hostname, lab.scenario.initiator.outside
    ('ASA-PARIS', '203.0.113.89')

What varies, and the rules it follows:

* **Hostnames** as real networks name them: ``FW-HQ``, ``ASA-BRANCH2`` for ASAs, ``R-PARIS``, ``RTR-DC1`` for IOS
  routers; the two sites always differ.
* **Outside addresses** only from the documentation ranges (RFC 5737: 192.0.2.0/24, 198.51.100.0/24,
  203.0.113.0/24), one range per peer, never ``.0``, ``.1`` (the gateway) or ``.255``: never a private address
  (those are for LANs) and never a real public one.
* **LANs** from RFC 1918 ranges, never 10.0.0.0/24 (the ``nat-t`` fault puts the initiator's outside there).
* **Phase-1 policy** (cipher, hash, DH group, lifetime): one policy per device, identical on both sides except for its
  local number, chosen among the values every platform in the lab supports (no SHA-2 hash when an ASA is involved:
  ASA IKEv1 policies have none; lifetimes an IOS router accepts). Always ``authentication pre-share``.
* **Pre-shared key**: the same on both sides, readable (``Blue-Harbor-42``) or random-looking, never with ``?`` (the
  CLI help key) or blanks.
* **Config dialect** (each platform's ``sim/platforms/<name>/lab.py`` writes its own): ASA 8.4+ (``crypto
  ikev1``, ``ikev1 pre-shared-key``) or, one lab in four, pre-8.4 (``crypto isakmp``, ``pre-shared-key``); IOS 15 /
  IOS XE (``crypto isakmp policy``, ``encr``, ``crypto isakmp key ...
  address``, the crypto map under the outside interface). As on a real router's running-config, an IOS policy
  leaves out the values equal to the IOS defaults (``hash sha``, ``lifetime 86400``): trainees learn to read it
  that way, and a fault that edits such a line does not apply to that lab (the quiz then draws another one).
* **Timing**: the look time (2-25 s after the first datagram) and the run seed.

Platforms: ``asa`` (ASA to ASA), ``ios`` (IOS to IOS) and ``mixed`` (one of each, either one initiating). ``ios``
and ``mixed`` need the IOS platform in the scenario loader; :func:`available_platforms` says which work.
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass

from ..errors import InputError
from ..platforms import registry
from ..scenario import Scenario, load_scenario_text

#: a lab of two devices of one registered platform, or ``mixed``: one each of the first two, either one initiating
PLATFORMS = registry.names() + ("mixed",)
#: RFC 5737 documentation networks (first three octets)
DOC_NETS = ("192.0.2", "198.51.100", "203.0.113")

SITES = ("HQ", "DC1", "DC2", "BRANCH1", "BRANCH2", "BRANCH3", "BRANCH7", "PARIS", "LONDON", "BERLIN", "MADRID",
         "OSLO", "LYON", "MILAN", "TOKYO", "AUSTIN", "DENVER", "LAB1", "LAB2", "STORE12", "PLANT3", "WAREHOUSE")
KEY_WORDS = ("Blue", "Harbor", "Granite", "Falcon", "Maple", "River", "Cobalt", "Summit", "Amber", "Cedar", "Nova",
             "Orbit", "Quartz", "Tango", "Willow", "Zephyr", "Copper", "Lantern")
KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

#: neutral cipher name (ASA keyword) -> the tag in transform-set names; each platform's lab.py spells the cipher
CIPHER_TAGS = {"aes-256": "AES256", "aes-192": "AES192", "aes": "AES128", "3des": "3DES"}
CIPHER_WEIGHTS = {"aes-256": 5, "aes-192": 1, "aes": 3, "3des": 1}
GROUP_WEIGHTS = {14: 5, 5: 2, 2: 2}
LIFETIMES = (86400, 86400, 43200, 28800)  # all within IOS's 60..86400 and longer than the lifetime fault's 3600
PRIORITIES = (1, 5, 10, 10, 10, 20, 100)
LOOK_RANGE = (2, 25)


@dataclass(frozen=True)
class LabPolicy:
    """The phase-1 policy both peers share (ASA keywords for the cipher: aes-256, aes-192, aes, 3des)."""

    cipher: str
    hash: str
    group: int
    lifetime: int

    @property
    def tag(self) -> str:
        """The cipher as transform-set names spell it (``AES256``)."""
        return CIPHER_TAGS[self.cipher]


@dataclass(frozen=True)
class Site:
    hostname: str
    platform: str  # a registered platform name
    outside: str
    gateway: str
    lan: str  # network address of the /24, e.g. 10.12.1.0
    name: str  # the site part of the hostname, for object and ACL names
    priority: int
    legacy: bool  # the platform's older config syntax (Platform.lab_legacy)


@dataclass(frozen=True)
class Lab:
    """A generated healthy lab: the scenario (from :attr:`text`) and what it was generated from."""

    seed: int
    platform: str  # a registered platform name or mixed
    scenario: Scenario
    policy: LabPolicy
    key: str
    text: str  # the scenario YAML

    def summary(self) -> dict:
        """What an instructor needs to recognise the lab (JSON-ready)."""
        s = self.scenario
        return {
            "lab": s.name,
            "lab_seed": self.seed,
            "platform": self.platform,
            "initiator": {"hostname": s.initiator.hostname, "platform": s.initiator.platform,
                          "outside": s.initiator.outside},
            "responder": {"hostname": s.responder.hostname, "platform": s.responder.platform,
                          "outside": s.responder.outside},
            "policy": {"encryption": self.policy.cipher, "hash": self.policy.hash, "group": self.policy.group,
                       "lifetime": self.policy.lifetime},
            "look": s.look,
            "run_seed": s.seed,
        }


# -- generation -------------------------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _key(rng: random.Random) -> str:
    if rng.random() < 0.6:
        first, second = rng.sample(KEY_WORDS, 2)
        return f"{first}-{second}-{rng.randint(10, 99)}"
    body = "".join(rng.choice(KEY_ALPHABET) for _ in range(rng.randint(10, 16)))
    cut = rng.randint(3, len(body) - 3)
    return f"{body[:cut]}-{body[cut:]}"


def _lan(rng: random.Random, used: set[str]) -> str:
    while True:
        kind = rng.choice(("10", "172", "192"))
        if kind == "10":
            lan = f"10.{rng.randint(1, 254)}.{rng.randint(0, 254)}.0"
        elif kind == "172":
            lan = f"172.{rng.randint(16, 31)}.{rng.randint(0, 254)}.0"
        else:
            lan = f"192.168.{rng.randint(1, 254)}.0"
        if lan not in used:
            used.add(lan)
            return lan


def _sites(rng: random.Random, platforms: tuple[str, str]) -> tuple[Site, Site]:
    names = rng.sample(SITES, 2)
    nets = rng.sample(DOC_NETS, 2)
    lans: set[str] = set()
    sites = []
    for platform, name, net in zip(platforms, names, nets):
        box = registry.get(platform)
        prefix = rng.choice(box.lab_hostname_prefixes)
        sites.append(Site(
            hostname=f"{prefix}-{name}", platform=platform, outside=f"{net}.{rng.randint(2, 254)}",
            gateway=f"{net}.1", lan=_lan(rng, lans), name=name, priority=rng.choice(PRIORITIES),
            legacy=box.lab_legacy(rng),
        ))
    return sites[0], sites[1]


def _policy(rng: random.Random, platforms: tuple[str, str]) -> LabPolicy:
    # the hashes of the platform that supports the fewest (the others support those too)
    hashes = min((registry.get(p).lab_hash_weights for p in platforms), key=len)
    return LabPolicy(_weighted(rng, CIPHER_WEIGHTS), _weighted(rng, hashes), _weighted(rng, GROUP_WEIGHTS),
                     rng.choice(LIFETIMES))


def _block(text: str, indent: str = "    ") -> str:
    return "".join(indent + line + "\n" if line else "\n" for line in text.splitlines())


def _device_yaml(role: str, site: Site, config: str) -> str:
    return (f"{role}:\n  hostname: {site.hostname}\n  platform: {site.platform}\n  outside: {site.outside}\n"
            f"  config: |\n{_block(config)}")


def _platforms(platform: str, rng: random.Random) -> tuple[str, str]:
    if platform != "mixed":
        return (platform, platform)
    first, second = registry.names()[:2]
    return (first, second) if rng.random() < 0.5 else (second, first)


def _check(seed, platform: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"lab seed must be a whole number >= 0, not {seed!r}", field="seed")
    if platform not in PLATFORMS:
        raise InputError(f"unknown lab platform {platform!r} (expected {', '.join(PLATFORMS)})", field="platform")
    return seed


def lab_text(seed: int, platform: str = registry.names()[0]) -> tuple[str, dict]:
    """The scenario YAML of lab ``seed`` and what it was made from (``policy``, ``key``)."""
    _check(seed, platform)
    rng = random.Random(f"ikesim/lab/{platform}/{seed}")
    platforms = _platforms(platform, rng)
    initiator, responder = _sites(rng, platforms)
    policy = _policy(rng, platforms)
    key = _key(rng)
    configs = []
    for site, peer in ((initiator, responder), (responder, initiator)):
        configs.append(registry.get(site.platform).lab_config(site, peer, policy, key, rng))
    look = rng.randint(*LOOK_RANGE)
    run_seed = rng.randint(1, 9999)
    kinds = {name: registry.get(name).label for name in registry.names()}
    title = (f"Generated lab {seed}: {initiator.hostname} ({kinds[initiator.platform]}) to {responder.hostname} "
             f"({kinds[responder.platform]})")
    description = (f"{initiator.hostname} ({initiator.outside}) starts IKEv1 Main Mode towards {responder.hostname} "
                   f"({responder.outside}). Both have one phase-1 policy (pre-share, {policy.cipher}, "
                   f"{policy.hash}, group {policy.group}, lifetime {policy.lifetime}) and the same pre-shared "
                   "key. Nothing in between drops IKE.")
    text = (f"title: {json.dumps(title)}\ndescription: {json.dumps(description)}\n"
            + _device_yaml("initiator", initiator, configs[0])
            + _device_yaml("responder", responder, configs[1])
            + f"look: {look}\nseed: {run_seed}\n")
    return text, {"policy": policy, "key": key}


def generate_lab(seed: int, platform: str = registry.names()[0]) -> Lab:
    """A healthy lab for ``platform`` (asa | ios | mixed), the same for the same seed.

    Raises :class:`InputError` for a bad seed or platform, or when the scenario loader does not know a platform
    yet (see :func:`available_platforms`)."""
    text, parts = lab_text(seed, platform)
    scenario = load_scenario_text(text, f"lab-{platform}-{seed}.yaml")
    return Lab(seed, platform, scenario, parts["policy"], parts["key"], text)


@functools.lru_cache(maxsize=None)
def _loads(platform: str) -> bool:
    try:
        generate_lab(0, platform)
    except InputError:
        return False
    return True


def available_platforms() -> tuple[str, ...]:
    """The lab platforms that work with this installation (``asa`` always; ``ios`` and ``mixed`` once the scenario
    loader accepts ``platform: ios``)."""
    return tuple(p for p in PLATFORMS if p == registry.names()[0] or _loads(p))
