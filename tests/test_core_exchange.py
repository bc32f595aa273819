"""The sans-IO core on its own: plain datagrams in, effects out, a hand-driven clock."""

from __future__ import annotations

import itertools

import pytest

from sim.ike import messages
from sim.ike.config import Retransmit
from sim.ike.constants import Auth, Encryption, Hash
from sim.ike import events as ev
from sim.ike.effects import KeysDerived, Received, Send, SetTimer
from sim.ike.policy import Policy
from sim.ike.types import Msg, Outcome, Reason, State, Trigger

from corekit import I_ADDR, R_ADDR, Pair, config

CIPHERS = [(Encryption.DES_CBC, None), (Encryption.TRIPLE_DES_CBC, None), (Encryption.AES_CBC, 128),
           (Encryption.AES_CBC, 192), (Encryption.AES_CBC, 256)]
HASHES = [Hash.MD5, Hash.SHA1, Hash.SHA2_256, Hash.SHA2_384, Hash.SHA2_512]
GROUPS = [1, 2, 5, 14]


def pair_for(policy: Policy, ipsk=b"Vpn-Lab-Key1", rpsk=b"Vpn-Lab-Key1", **kw) -> Pair:
    return Pair.make(config(I_ADDR, R_ADDR, ipsk, (policy,)), config(R_ADDR, I_ADDR, rpsk, (policy,), **kw))


@pytest.mark.parametrize("cipher,hash_id,group", list(itertools.product(CIPHERS, HASHES, GROUPS)))
def test_every_cipher_hash_group_completes(cipher, hash_id, group):
    policy = Policy(encryption=cipher[0], key_length=cipher[1], hash=hash_id, group=group)
    pair = pair_for(policy)
    pair.start()
    pair.pump()
    assert pair.state("initiator") == "MM_ACTIVE"
    assert pair.state("responder") == "MM_ACTIVE"
    assert [s.message for s in pair.sends("initiator")] == ["MM1", "MM3", "MM5"]
    assert [s.message for s in pair.sends("responder")] == ["MM2", "MM4", "MM6"]
    ikeys = next(e for e in pair.effects["initiator"] if isinstance(e, KeysDerived))
    rkeys = next(e for e in pair.effects["responder"] if isinstance(e, KeysDerived))
    assert ikeys.enc_key == rkeys.enc_key and ikeys.skeyid_a == rkeys.skeyid_a and ikeys.g_xy == rkeys.g_xy


def test_wire_facts_of_the_six_messages():
    pair = pair_for(Policy(encryption=Encryption.AES_CBC, key_length=256, group=14))
    pair.start()
    pair.pump()
    sends = pair.sends("initiator") + pair.sends("responder")
    by_name = {s.message: messages.parse(s.data) for s in sends}
    for name, msg in by_name.items():
        assert msg.header.version == 0x10 and msg.header.exchange == 2 and msg.header.message_id == 0
        assert msg.header.encrypted == (name in ("MM5", "MM6"))
    assert not any(by_name["MM1"].header.rcookie)
    assert by_name["MM2"].header.rcookie == by_name["MM6"].header.rcookie != bytes(8)
    assert len(by_name["MM3"].first(messages.KePayload).data) == 256
    assert len(by_name["MM5"].encrypted_body) % 16 == 0
    # MM6 is encrypted with the last ciphertext block of MM5 as IV: decrypting it that way gives ID + HASH
    from sim.ike import crypto

    keys = next(e for e in pair.effects["initiator"] if isinstance(e, KeysDerived))
    spec = crypto.cipher_spec(Encryption.AES_CBC, 256)
    plain6 = crypto.decrypt(spec, keys.enc_key, by_name["MM5"].encrypted_body[-16:], by_name["MM6"].encrypted_body)
    chain = messages.parse_chain(5, plain6)
    assert isinstance(chain[0], messages.IdPayload) and chain[0].data == bytes([198, 51, 100, 2])


def test_psk_mismatch_mm5_does_not_decrypt_at_the_responder():
    pair = pair_for(Policy(), ipsk=b"Vpn-Lab-Key1", rpsk=b"Vpn-Lab-Key2")
    pair.start()
    pair.pump()
    assert pair.state("initiator") == "MM_WAIT_MSG6"
    assert pair.state("responder") == "MM_WAIT_MSG5"
    mm5 = [r for r in pair.received("responder") if r.message == "MM5"]
    assert mm5 and mm5[-1].outcome == Outcome.DISCARDED and mm5[-1].reason == Reason.DECRYPT_FAILED
    assert mm5[-1].detail["problem"] and mm5[-1].payloads == ()
    assert not [s for s in pair.sends("responder") if s.message == "MM6"]


def test_no_tunnel_group_drops_mm3_and_sends_no_mm4():
    icfg = config(I_ADDR, R_ADDR, b"k")
    rcfg = config(R_ADDR, "203.0.113.99", b"k")  # a tunnel-group for someone else
    pair = Pair.make(icfg, rcfg)
    pair.start()
    pair.pump()
    assert pair.state("initiator") == "MM_WAIT_MSG4"
    assert pair.state("responder") is None  # removed at MM3
    assert [s.message for s in pair.sends("responder")] == ["MM2"]
    assert pair.events("responder", ev.PeerKeyMissing)
    removed = pair.events("responder", ev.SaRemoved)
    assert removed and removed[-1].reason == Reason.NO_PEER_KEY


def test_default_group_key_is_the_fallback():
    icfg = config(I_ADDR, R_ADDR, b"k")
    rcfg = config(R_ADDR, "203.0.113.99", b"other", default_psk=b"k")
    pair = Pair.make(icfg, rcfg)
    pair.start()
    pair.pump()
    assert pair.state("initiator") == pair.state("responder") == "MM_ACTIVE"
    found = pair.events("responder", ev.PeerKeyFound)
    assert (found[0].group, found[0].via_default) == ("DefaultL2LGroup", True)


def test_initiator_without_key_sends_no_mm5():
    icfg = config(I_ADDR, R_ADDR, None)
    pair = Pair.make(icfg, config(R_ADDR, I_ADDR, b"k"))
    pair.start()
    pair.pump()
    assert [s.message for s in pair.sends("initiator")] == ["MM1", "MM3"]
    assert pair.state("responder") == "MM_WAIT_MSG5"
    assert pair.state("initiator") is None


@pytest.mark.parametrize("field,value,attribute", [
    ("encryption", Encryption.TRIPLE_DES_CBC, "Encryption"), ("hash", Hash.MD5, "Hash"), ("group", 5, "D-H Group"),
    ("auth", Auth.RSA_SIG, "Auth")])
def test_proposal_mismatch_is_decided_at_mm1(field, value, attribute):
    mine = Policy(encryption=Encryption.AES_CBC, key_length=256, group=14)
    theirs = Policy(**{**mine.__dict__, field: value, **({"key_length": None} if field == "encryption" else {})})
    pair = Pair.make(config(I_ADDR, R_ADDR, b"k", (mine,)), config(R_ADDR, I_ADDR, b"k", (theirs,)))
    pair.start()
    pair.pump()
    assert pair.state("initiator") == "MM_WAIT_MSG2"
    assert pair.state("responder") is None
    rejected = pair.events("responder", ev.ProposalRejected)
    assert rejected[0].attribute == attribute
    # the clear-text NO-PROPOSAL-CHOSEN cannot be authenticated: the initiator drops it
    last = pair.received("initiator")[-1]
    assert last.message == Msg.NOTIFY and last.outcome == Outcome.DISCARDED
    assert last.reason == Reason.UNAUTHENTICATED_NOTIFY and last.detail["notify"] == "NO_PROPOSAL_CHOSEN"


def test_responder_lifetime_must_not_exceed_the_initiators():
    longer = Pair.make(config(I_ADDR, R_ADDR, b"k", (Policy(lifetime=3600),)),
                       config(R_ADDR, I_ADDR, b"k", (Policy(lifetime=86400),)))
    longer.start()
    longer.pump()
    assert longer.state("initiator") == "MM_WAIT_MSG2"
    shorter = Pair.make(config(I_ADDR, R_ADDR, b"k", (Policy(lifetime=86400),)),
                        config(R_ADDR, I_ADDR, b"k", (Policy(lifetime=3600),)))
    shorter.start()
    shorter.pump()
    assert shorter.state("initiator") == "MM_ACTIVE"
    mm2 = messages.parse(shorter.sends("responder")[0].data)
    assert mm2.first(messages.SaPayload).offers[0].policy.lifetime == 3600  # the shorter wins


def test_retransmission_timers_with_a_manual_clock():
    """ASA profile: resend every 8 s, 3 resends, SA removed 8 s after the last one."""
    pair = pair_for(Policy(), retransmit=Retransmit())
    pair.start(now=0.0)
    timer = pair.timers["initiator"][-1]
    assert timer.at == 8.0
    times = []
    while True:
        fired = pair.fire("initiator", timer)
        resent = [e for e in fired if isinstance(e, Send)]
        if not resent:
            break
        assert resent[0].message == "MM1" and resent[0].trigger == "timer"
        assert resent[0].data == pair.sends("initiator")[0].data  # byte-identical copies
        times.append(timer.at)
        timer = [e for e in fired if isinstance(e, SetTimer)][-1]
    assert times == [8.0, 16.0, 24.0]
    assert timer.at == 32.0
    assert pair.state("initiator") is None  # removed when the last timer fired
    assert [s.attempt for s in pair.sends("initiator")] == [0, 1, 2, 3]


def test_retransmission_profile_is_configurable():
    pair = Pair.make(config(I_ADDR, R_ADDR, b"k", retransmit=Retransmit(interval=10, retries=5, remove_after=2)),
                     config(R_ADDR, I_ADDR, b"k"))
    pair.start()
    timer, ats = pair.timers["initiator"][-1], []
    while timer is not None:
        ats.append(timer.at)
        fired = pair.fire("initiator", timer)
        timer = next((e for e in fired if isinstance(e, SetTimer)), None)
    assert ats == [10, 20, 30, 40, 50, 52]


def test_stale_timer_is_ignored_after_progress():
    pair = pair_for(Policy())
    pair.start()
    first = pair.timers["initiator"][0]
    pair.pump()
    assert pair.fire("initiator", first) == []


def test_duplicate_mm1_makes_the_responder_resend_mm2():
    pair = pair_for(Policy())
    pair.start()
    mm1 = pair.sends("initiator")[0]
    pair.deliver(mm1, "responder", 0.0)
    pair.deliver(mm1, "responder", 8.0)
    mm2s = [s for s in pair.sends("responder") if s.message == "MM2"]
    assert len(mm2s) == 2 and mm2s[1].trigger == "duplicate" and mm2s[0].data == mm2s[1].data
    assert pair.state("responder") == "MM_WAIT_MSG3"


def test_lost_mm6_is_recovered_by_the_duplicate_mm5():
    pair = pair_for(Policy())
    pair.start()
    pair.pump(drop=lambda send, to: send.message == "MM6")
    assert pair.state("initiator") == "MM_WAIT_MSG6" and pair.state("responder") == "MM_ACTIVE"
    timer = pair.timers["initiator"][-1]
    fired = pair.fire("initiator", timer)
    mm5 = next(e for e in fired if isinstance(e, Send))
    pair.deliver(mm5, "responder", timer.at)
    mm6 = pair.sends("responder")[-1]
    assert mm6.message == "MM6" and mm6.trigger == "duplicate"
    pair.deliver(mm6, "initiator", timer.at)
    assert pair.state("initiator") == "MM_ACTIVE"


def test_not_listening_sends_nothing_back():
    pair = Pair.make(config(I_ADDR, R_ADDR, b"k"), config(R_ADDR, I_ADDR, b"k", listening=False))
    pair.start()
    pair.pump()
    assert pair.sends("responder") == []
    assert pair.received("responder")[0].outcome == Outcome.DISCARDED
    assert pair.received("responder")[0].reason == Reason.IKE_DISABLED


def test_same_seed_same_bytes_other_seed_other_bytes():
    def run(seed):
        pair = Pair.make(config(I_ADDR, R_ADDR, b"k"), config(R_ADDR, I_ADDR, b"k"), seed=seed)
        pair.start()
        pair.pump()
        return [s.data for s in pair.sends("initiator") + pair.sends("responder")]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_a_later_sa_with_the_same_cookies_gets_working_timers():
    """Regression: a late copy of MM1 re-creates the responder SA after removal; its timers must not collide with
    the cancelled timers of the SA that came before (timer ids are unique per endpoint)."""
    pair = pair_for(Policy())
    pair.start()
    mm1 = pair.sends("initiator")[0]
    pair.deliver(mm1, "responder", 0.0)
    first = [t.id for t in pair.timers["responder"]]
    timer = pair.timers["responder"][-1]
    while timer is not None:  # run the first responder SA to its removal
        fired = pair.fire("responder", timer)
        timer = next((e for e in fired if isinstance(e, SetTimer)), None)
    assert pair.state("responder") is None
    pair.deliver(mm1, "responder", 40.0)  # the initiator's late retransmission
    assert pair.state("responder") == "MM_WAIT_MSG3"
    again = pair.timers["responder"][-1]
    assert again.id not in first
    fired = pair.fire("responder", again)
    assert [e.message for e in fired if isinstance(e, Send)] == ["MM2"]


@pytest.mark.parametrize("target,message", [("responder", "MM3"), ("initiator", "MM4")])
def test_a_forged_ke_is_discarded_and_the_genuine_message_still_completes(target, message):
    """An out-of-range DH value with the right cookies must not kill the SA (it would be a denial-of-service lever
    for anyone on the path): the message is discarded, nothing changes, the genuine one completes the exchange."""
    from sim.ike import crypto

    pair = pair_for(Policy(group=14))
    pair.start()
    sender = "initiator" if target == "responder" else "responder"
    pair.pump(drop=lambda send, to: send.message == message)
    genuine = next(s for s in pair.sends(sender) if s.message == message)
    msg = messages.parse(genuine.data)
    ke = msg.first(messages.KePayload).data
    p = crypto.GROUPS[14].prime
    forged = genuine.data.replace(ke, (p - 1).to_bytes(len(ke), "big"))
    state_before = pair.state(target)
    out = pair.record(target, pair.endpoint(target).receive(forged, I_ADDR if target == "responder" else R_ADDR,
                                                            500, 0.5))
    discarded = [e for e in out if isinstance(e, Received)][0]
    assert discarded.outcome == Outcome.DISCARDED and discarded.reason == Reason.BAD_KE
    assert discarded.detail["problem"] == "ke-range"
    assert pair.state(target) == state_before
    pair.deliver(genuine, target, 1.0)
    pair.pump(now=1.0)
    assert pair.state("initiator") == pair.state("responder") == "MM_ACTIVE"


def test_certificate_authentication_is_not_faked_with_the_psk():
    """Both sides agree on rsa-sig; with no PKI modelled the initiator must not derive keys from the PSK anyway."""
    rsa = Policy(auth=Auth.RSA_SIG)
    pair = Pair.make(config(I_ADDR, R_ADDR, b"k", (rsa,)), config(R_ADDR, I_ADDR, b"k", (rsa,)))
    pair.start()
    pair.pump()
    assert [s.message for s in pair.sends("initiator")] == ["MM1", "MM3"]
    assert not [e for e in pair.effects["initiator"] if isinstance(e, KeysDerived)]
    assert pair.events("initiator", ev.NoCertificate)
    assert pair.state("initiator") is None and pair.state("responder") == "MM_WAIT_MSG5"
