"""The sans-IO IKEv1 Main Mode core.

Plain data in, plain data out: the state machines take datagrams (bytes), timer firings and the current time, and
return effects. Nothing in this package does I/O, reads a clock, or imports SimPy, sockets or the platforms.
"""
