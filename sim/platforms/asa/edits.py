"""The edits faults need, in ASA dialect (see :mod:`sim.platforms.intents`).

Everything after ``pre-shared-key`` is the key (a trailing blank included); keys live in the tunnel-group named
after the peer; IKE runs on an interface by ``crypto ikev1 enable outside`` (``crypto isakmp`` before 8.4).
"""

from __future__ import annotations

import re

from .. import intents as i
from ..intents import EditError, substitute

_POLICY = r"crypto (?:ikev1|isakmp) policy \d+\s*$"
#: every key line: a generated or bundled ASA lab has one tunnel-group with a key (the intent's peer is not needed)
_KEY = r"^(\s+(?:ikev1 )?pre-shared-key )(.*)()$"
_WORDS = {"auth": "authentication"}


def _key_of(text: str) -> str:
    match = re.search(_KEY, text, re.M)
    if not match:
        raise EditError("cannot apply: the config has no pre-shared key")
    return match.group(2)


def edit(text: str, intent) -> str:
    """``text`` with ``intent`` applied; :class:`EditError` when the config lacks the line it changes."""
    if isinstance(intent, i.SetKey):
        return substitute(_KEY, lambda m: m.group(1) + intent.change(m.group(2)) + m.group(3), text,
                          "pre-shared key")
    if isinstance(intent, i.RemoveKey):
        return substitute(r"^\s+(?:ikev1 )?pre-shared-key .*\n?", "", text, "pre-shared key")
    if isinstance(intent, i.RenamePeer):
        old, new = intent.old, intent.new
        text = substitute(rf"^tunnel-group {re.escape(old)}\b", f"tunnel-group {new}", text, f"tunnel-group {old}")
        return re.sub(rf"^(\s*(?:crypto map \S+ \d+ )?set peer ){re.escape(old)}\b", rf"\g<1>{new}", text, flags=re.M)
    if isinstance(intent, i.SetPolicyValue):
        return i.set_policy_value(text, _WORDS.get(intent.keyword, intent.keyword), intent.value, block=_POLICY)
    if isinstance(intent, i.DisableIke):
        return substitute(r"^crypto (?:ikev1|isakmp) enable outside\s*\n", "", text, "'crypto ikev1 enable outside'")
    if isinstance(intent, i.EnableNatT):
        if re.search(r"^crypto isakmp nat-traversal", text, re.M):
            return text
        return substitute(r"^(crypto (?:ikev1|isakmp) enable outside\s*)$", r"\1\ncrypto isakmp nat-traversal 20",
                          text, "'crypto ikev1 enable outside'", count=1)
    if isinstance(intent, i.MoveOutside):
        return text.replace(f"ip address {intent.old} ", f"ip address {intent.new} ")
    if isinstance(intent, i.DefaultGroupKey):
        key = _key_of(text)
        peer = re.escape(intent.peer)
        text = substitute(rf"^tunnel-group {peer} (?:type|ipsec-attributes).*\n(?:[ \t]+.*\n?)*", "", text,
                          f"tunnel-group {intent.peer}")
        return text.rstrip("\n") + f"\ntunnel-group DefaultL2LGroup ipsec-attributes\n ikev1 pre-shared-key {key}\n"
    raise TypeError(f"the ASA platform does not know the edit {intent!r}")
