#!/usr/bin/env python3
"""A tiny DNS responder for the resolver scenarios of crates/ngxlint/tests/real_servers.rs.

Usage: dnsd.py PORT READY_FILE

Listens on UDP 127.0.0.1:PORT and answers every A query with 127.0.0.1 (TTL 30), every other query
with an empty answer; touches READY_FILE once bound.
"""

import socket
import struct
import sys


def answer(query: bytes) -> bytes:
    (qid,) = struct.unpack("!H", query[:2])
    # The question: labels up to the zero byte, then type and class.
    end = query.index(b"\x00", 12) + 5
    question = query[12:end]
    qtype, _ = struct.unpack("!HH", question[-4:])
    records = b""
    count = 0
    if qtype == 1:
        records = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 30, 4) + socket.inet_aton("127.0.0.1")
        count = 1
    header = struct.pack("!HHHHHH", qid, 0x8180, 1, count, 0, 0)
    return header + question + records


def main() -> None:
    port, ready = int(sys.argv[1]), sys.argv[2]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    open(ready, "w").close()
    while True:
        data, peer = sock.recvfrom(512)
        try:
            sock.sendto(answer(data), peer)
        except (ValueError, struct.error):
            continue


if __name__ == "__main__":
    main()
