#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/fuzz_endpoint.c: one input per state with
packets a peer would plausibly send there (see the harness for the record
format). The harness fixes CRCs and, when asked, tags and ports."""
import os
import struct
import sys

TO_B, TO_A = 0, 1
PATCH_TAG, PATCH_PORTS, EXCHANGE = 2, 4, 0x80


def chunk(ctype, flags, value=b""):
    c = struct.pack("!BBH", ctype, flags, 4 + len(value)) + value
    return c + b"\0" * (-len(c) % 4)


def tlv(ptype, value):
    t = struct.pack("!HH", ptype, 4 + len(value)) + value
    return t + b"\0" * (-len(t) % 4)


def packet(*chunks, vtag=0):
    return struct.pack("!HHII", 5000, 5001, vtag, 0) + b"".join(chunks)


def record(flags, pkt, time_k=0):
    return struct.pack("!BH", flags | (time_k << 4), len(pkt)) + pkt


INIT = chunk(1, 0, struct.pack("!IIHHI", 0x11223344, 65536, 10, 10, 7) +
             tlv(5, bytes([192, 0, 2, 9])) + tlv(0x8008, bytes([0xC0, 0x82])) + tlv(0xC000, b""))
INIT_ACK = chunk(2, 0, struct.pack("!IIHHI", 0x55667788, 65536, 10, 10, 9) + tlv(7, b"x" * 80) +
                 tlv(0x8004, b"\0\1"))
HB = chunk(4, 0, tlv(1, b"heartbeat-info"))
HB_ACK = chunk(5, 0, tlv(1, b"\0" * 25))
ABORT = chunk(6, 0, tlv(12, b"bye"))
ABORT_T = chunk(6, 1)
SHUTDOWN = chunk(7, 0, struct.pack("!I", 6))
SHUTDOWN_ACK = chunk(8, 0)
ERROR_STALE = chunk(9, 0, tlv(3, struct.pack("!I", 1000)))
ERROR_OTHER = chunk(9, 0, tlv(1, struct.pack("!HH", 7, 0)))
COOKIE_ECHO = chunk(10, 0, b"c" * 64)
COOKIE_ACK = chunk(11, 0)
SHUTDOWN_COMPLETE = chunk(14, 0)
UNKNOWN = [chunk(t, 0, b"abcd") for t in (0x3f, 0x7f, 0xbf, 0xff)]
DATA = chunk(0, 3, struct.pack("!IHHI", 7, 0, 0, 51) + b"hello")
SACK_GAPS = chunk(3, 0, struct.pack("!IIHH", 0, 65536, 2, 1) + struct.pack("!HHHH", 2, 3, 5, 9) +
                  struct.pack("!I", 1))

P = PATCH_TAG | PATCH_PORTS
seeds = {
    "closed-init": [0, record(TO_B | PATCH_PORTS, packet(INIT)), record(TO_B | EXCHANGE, packet(COOKIE_ECHO))],
    "closed-ootb": [0, record(TO_B | PATCH_PORTS, packet(SHUTDOWN_ACK, vtag=5)),
                    record(TO_B | PATCH_PORTS, packet(HB, vtag=9))],
    "wait-init-ack": [1, record(TO_A | P, packet(INIT_ACK)), record(TO_A | EXCHANGE, b"", 3)],
    "wait-collision": [1, record(TO_A | PATCH_PORTS, packet(INIT)), record(TO_A | P | EXCHANGE, packet(ABORT))],
    "echoed-cookie-ack": [2, record(TO_A | P, packet(COOKIE_ACK))],
    "echoed-stale": [2, record(TO_A | P, packet(ERROR_STALE)), record(TO_A | EXCHANGE, b"", 5)],
    "echoed-shutdown-ack": [2, record(TO_A | P, packet(SHUTDOWN_ACK))],
    "established-hb": [3, record(TO_B | P, packet(HB)), record(TO_A | P, packet(HB_ACK))],
    "established-unknown": [3] + [record(TO_B | P, packet(u, HB)) for u in UNKNOWN],
    "established-shutdown": [3, record(TO_B | P | EXCHANGE, packet(SHUTDOWN))],
    "established-abort": [3, record(TO_A | P, packet(ABORT)), record(TO_B | P, packet(ABORT_T))],
    "established-restart": [3, record(TO_B | PATCH_PORTS | EXCHANGE, packet(INIT))],
    "established-error-data": [3, record(TO_B | P, packet(ERROR_OTHER, DATA))],
    "shutdown-sent": [4, record(TO_A | P, packet(SHUTDOWN_ACK)), record(TO_A | P, packet(SHUTDOWN))],
    "shutdown-sent-timeout": [4] + [record(TO_A, b"", 7)] * 12,
    "shutdown-ack-sent": [5, record(TO_B | P, packet(SHUTDOWN_COMPLETE)),
                          record(TO_B | PATCH_PORTS, packet(INIT))],
    "shutdown-ack-sent-cookie": [5, record(TO_B | P | EXCHANGE, packet(COOKIE_ECHO))],
    "data-exchange": [6, record(TO_A | EXCHANGE, b"", 2), record(TO_B | EXCHANGE, b"", 5)],
    "data-sack-gaps": [6, record(TO_A | P, packet(SACK_GAPS)), record(TO_A | P, packet(SACK_GAPS))],
    "data-dup-data": [6, record(TO_B | P, packet(DATA, DATA)), record(TO_B | P | EXCHANGE, packet(DATA))],
    "data-shutdown": [6, record(TO_B | P | EXCHANGE, packet(SHUTDOWN)), record(TO_A, b"", 6)],
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "fuzz", "corpus", "endpoint")
os.makedirs(out, exist_ok=True)
for name, parts in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([parts[0]]) + b"".join(parts[1:]))
print(f"{len(seeds)} seeds in {out}")
