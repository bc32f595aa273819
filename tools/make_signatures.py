"""Regenerate sim/training/diagnosis/signatures.json from the simulator (run after changing the catalogue, the core,
the engine, a platform or a healthy scenario; tests/test_diagnose_signatures.py says when it is stale)."""

from sim.training.diagnosis import signatures

signatures.SHIPPED.write_text(signatures.dump(signatures.compute()), encoding="utf-8")
print(f"wrote {signatures.SHIPPED} ({signatures.fingerprint()})")
