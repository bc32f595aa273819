"""Drives the sans-IO core: the SimPy simulator, the path between the peers, and the Trace every run produces."""
