"""``ikesim check CONFIG_A CONFIG_B``: two whole running-configs against each other, before the change window.

Small modules, one job each:

* :mod:`~sim.check.read`: a file -> a :class:`~sim.check.read.Box` (platform and hostname from the text, masked keys
  reported or replaced by ``--key``, parsed by the platform's own parser).
* :mod:`~sim.check.topology`: who talks to whom, at which addresses (crypto map peers, tunnel-groups, keys against
  the other box's interfaces); what to give when that cannot be inferred.
* :mod:`~sim.check.paths`: ``--path`` rules (``'drop udp/500 from A'``, ``'nat A 192.0.2.1'``...).
* :mod:`~sim.check.directions`: both directions as in-memory scenarios, run by the simulator.
* :mod:`~sim.check.evidence`: the only module that reads the Trace.
* :mod:`~sim.check.fixes`: the fix as config lines for the box that needs them, in its own dialect.
* :mod:`~sim.check.report`: the answer as text and as data (``--json``).

Entry point: :func:`sim.check.run.check`.
"""
