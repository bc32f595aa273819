"""The edits faults need, in IOS dialect (see :mod:`sim.platforms.intents`).

Keys are ``crypto isakmp key KEY address PEER`` lines (a key is one word); IKE runs on an interface when a crypto
map is applied to it; NAT-T is on unless ``no crypto isakmp nat-traversal``.
"""

from __future__ import annotations

import re

from .. import intents as i
from ..intents import EditError, substitute

_POLICY = r"crypto (?:ikev1|isakmp) policy \d+\s*$"
_WORDS = {"encryption": "encr", "auth": "authentication"}


def _key_line(peer: str) -> str:
    return rf"^(crypto isakmp key (?:[06] )?)(\S+)(\s+address {re.escape(peer)}\b.*)$"


def _key_of(text: str, peer: str) -> str:
    match = re.search(_key_line(peer), text, re.M)
    if not match:
        raise EditError("cannot apply: the config has no pre-shared key")
    return match.group(2)


def edit(text: str, intent) -> str:
    """``text`` with ``intent`` applied; :class:`EditError` when the config lacks the line it changes."""
    if isinstance(intent, i.SetKey):
        return substitute(_key_line(intent.peer), lambda m: m.group(1) + intent.change(m.group(2)) + m.group(3),
                          text, "pre-shared key")
    if isinstance(intent, i.RemoveKey):
        return substitute(_key_line(intent.peer) + r"\n?", "", text, "pre-shared key")
    if isinstance(intent, i.RenamePeer):
        old, new = intent.old, intent.new
        text = substitute(rf"^(crypto isakmp key .* address ){re.escape(old)}\b", rf"\g<1>{new}", text,
                          f"crypto isakmp key for {old}")
        return re.sub(rf"^(\s*(?:crypto map \S+ \d+ )?set peer ){re.escape(old)}\b", rf"\g<1>{new}", text, flags=re.M)
    if isinstance(intent, i.SetPolicyValue):
        return i.set_policy_value(text, _WORDS.get(intent.keyword, intent.keyword), intent.value, block=_POLICY)
    if isinstance(intent, i.DisableIke):
        return substitute(r"^\s+crypto map \S+\s*\n", "", text, "crypto map on an interface")
    if isinstance(intent, i.EnableNatT):
        return re.sub(r"^no crypto isakmp nat-traversal\s*\n", "", text, flags=re.M)
    if isinstance(intent, i.MoveOutside):
        return text.replace(f"ip address {intent.old} ", f"ip address {intent.new} ")
    if isinstance(intent, i.DefaultGroupKey):
        _key_of(text, intent.peer)
        return substitute(rf"^(crypto isakmp key (?:[06] )?\S+\s+address ){re.escape(intent.peer)}\b.*$",
                          r"\g<1>0.0.0.0 0.0.0.0", text, f"crypto isakmp key for {intent.peer}")
    raise TypeError(f"the IOS platform does not know the edit {intent!r}")
