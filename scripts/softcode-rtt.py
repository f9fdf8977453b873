#!/usr/bin/env python3
"""Round-trip time of softcode over telnet, as issue 13 measures it: each expression is
sent as `think <expr>` between OUTPUTPREFIX/OUTPUTSUFFIX markers on a TCP_NODELAY,
quick-ACK connection; the figure is the median of nine round trips (after one warm-up).

Usage: scripts/softcode-rtt.py HOST PORT NAME PASSWORD
Works against any MUSH that has OUTPUTPREFIX/OUTPUTSUFFIX (mushd, PennMUSH, TinyMUX).
Loopback addresses only: this is a measuring tool, not a load generator.
"""
import math
import socket
import statistics
import sys
import time

EXPRESSIONS = [
    "words(iter(lnum(1,1000),add(##,1)))",
    "words(setunion(lnum(1,800),lnum(400,1200)))",
    "first(sort(revwords(lnum(1,1000)),n))",
    "strlen(edit(repeat(abcdef,1000),cd,XYZ))",
    "fold(#lambda/add(\\%0,\\%1),lnum(1,1000))",
    "words(iter(lnum(1,1000),switch(mod(##,3),0,a,1,b,c)))",
    "[setq(0,0)][iter(lnum(1,1000),setq(0,add(%q0,##)))][r(0)]",
    "strlen(iter(lnum(1,30),iter(lnum(1,30),mul(##,2))))",
]
PREFIX = b"<<<rtt-begin>>>"
SUFFIX = b"<<<rtt-end>>>"
ROUNDS = 9


def main():
    host, port, name, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        sys.exit("loopback addresses only")
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    quickack = getattr(socket, "TCP_QUICKACK", None)

    buf = bytearray()

    def send(line):
        s.sendall(line.encode() + b"\r\n")

    def until(marker, timeout=30.0):
        deadline = time.monotonic() + timeout
        while marker not in buf:
            if quickack is not None:
                s.setsockopt(socket.IPPROTO_TCP, quickack, 1)
            s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                sys.exit("connection closed")
            buf.extend(chunk)
        end = buf.index(marker) + len(marker)
        got = bytes(buf[:end])
        del buf[:end]
        return got

    send(f"connect {name} {password}")
    time.sleep(1.0)
    send("OUTPUTPREFIX " + PREFIX.decode())
    send("OUTPUTSUFFIX " + SUFFIX.decode())
    send("think ready")
    until(SUFFIX)
    buf.clear()
    medians = []
    for expr in EXPRESSIONS:
        times = []
        answer = b""
        for i in range(ROUNDS + 1):
            start = time.perf_counter()
            send("think " + expr)
            answer = until(SUFFIX)
            elapsed = time.perf_counter() - start
            if i > 0:
                times.append(elapsed)
        med = statistics.median(times) * 1000
        medians.append(med)
        result = answer.split(PREFIX)[-1].split(SUFFIX)[0].strip().decode(errors="replace")
        print(f"{med:8.3f} ms  {expr}  -> {result[:40]}")
    geo = math.exp(sum(math.log(m) for m in medians) / len(medians))
    print(f"{geo:8.3f} ms  geometric mean")
    send("QUIT")


if __name__ == "__main__":
    main()
