"""Outputs drawn from a Trace (and the scenario, for names): pure functions, byte-identical for the same run.

| module | what |
|---|---|
| ``labels`` | shared labelling: ``message_label`` ("MM5*: IDii, HASH_I"), ``retransmit_suffix``, ``fate`` |
| ``ladder`` | ``mermaid`` / ``mermaid_markdown`` (GitHub-rendered sequence diagram), ``ascii_ladder`` (terminal) |
| ``pcap`` | pcapng captures from a vantage point (``initiator``, ``responder`` or ``both``), ``write_pcap`` |
| ``keys`` | Wireshark ``ikev1_decryption_table`` lines per device, ``write_key_tables`` |
| ``chart`` | the sequence chart (PNG, SVG, PDF), a package: ``chart_bytes``, ``render_chart``, ``chart_format`` |
| ``files`` | ``write_atomic``: whole file or nothing |

Importing this package imports nothing else; each module imports only what it needs (no ``scapy.all``; matplotlib
only in ``chart.draw``, which is imported only when a chart is drawn).
"""
