"""Wireshark IKEv1 decryption tables from the keys each device derived (the Trace's ``KeysRecord``\\ s).

One line per ISAKMP SA that derived keys: ``<initiator cookie, 16 hex digits>,<encryption key hex>``, where the
key is the cipher key as the device used it (16 bytes AES-128, 24 bytes 3DES or AES-192, 32 bytes AES-256).
That is Wireshark's ``ikev1_decryption_table`` UAT format, usable two ways:

* on the command line, one entry per option: ``tshark -r run.pcapng -o "uat:ikev1_decryption_table:<line>"``
  (the hex must stay unquoted);
* as a file: copy it to ``<wireshark config dir>/profiles/<profile>/ikev1_decryption_table`` and open the capture
  with that profile (``wireshark -C <profile>``, ``tshark -C <profile>``), or add the lines in
  Preferences > Protocols > ISAKMP > IKEv1 Decryption Table.

A device's table decrypts what that device could decrypt: in ``psk-mismatch`` the responder's key does not open
the initiator's MM5, exactly as on the box. Wireshark needs MM3 and MM4 in the capture (it computes the IV from the
KE payloads). It decrypts the first MM5 and MM6, but takes a byte-identical retransmission of MM5 for a new message
with a new IV, so retransmissions show as "Malformed Packet" even with the right key (seen with tshark 4.0).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..engine.trace import KeysRecord, Trace
from .files import write_atomic

__all__ = ["decryption_table", "key_table_name", "write_key_tables", "TABLE_SUFFIX"]

#: file name suffix of a written table: ``ASA-LAB1.ikev1_decryption_table``
TABLE_SUFFIX = ".ikev1_decryption_table"


def decryption_table(trace: Trace, hostname: str) -> str:
    """The ``ikev1_decryption_table`` lines of ``hostname``, newline-terminated; ``""`` if it derived no keys.

    One line per SA, in the order the keys were derived; if an SA derived keys twice the later keys win."""
    lines: dict[bytes, str] = {}
    for record in trace.of(KeysRecord, hostname):
        keys = record.keys
        lines.pop(keys.icookie, None)
        lines[keys.icookie] = f"{keys.icookie.hex()},{keys.enc_key.hex()}"
    return "".join(line + "\n" for line in lines.values())


def key_table_name(hostname: str) -> str:
    """The file name :func:`write_key_tables` uses for ``hostname``."""
    return hostname + TABLE_SUFFIX


def write_key_tables(trace: Trace, scenario, directory: str | os.PathLike) -> list[Path]:
    """Write ``<hostname>.ikev1_decryption_table`` for each device of ``scenario`` (initiator first) into
    ``directory`` (created if missing), each atomically; a device that derived no keys gets an empty file.
    Returns the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return [write_atomic(directory / key_table_name(device.hostname), decryption_table(trace, device.hostname))
            for device in scenario.devices]
