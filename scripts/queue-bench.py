#!/usr/bin/env python3
"""Figures for objects running commands (issue 15), over telnet against a running
server, each a median of round trips on a TCP_NODELAY, quick-ACK connection:

1. $-command dispatch with 1,000 objects in the room: the round trip of a command one
   object's $-command matches, and of one nothing matches ("Huh?"), against a plain
   `think` in the same room (the difference is the matching).
2. Queue throughput: an object that re-triggers itself (`&LOOP obj=&N me=...;@trigger
   me/loop`) for a few seconds; entries run per second.
3. A bystander's `say` round trip while that loop runs, and right after a fork bomb
   (`@trigger me/bomb;@trigger me/bomb`) starts, against the same `say` when the
   queue is idle.

Usage: scripts/queue-bench.py HOST PORT WIZARD PASSWORD
Loopback addresses only: this is a measuring tool, not a load generator.
"""
import socket
import statistics
import sys
import time

PREFIX = b"<<<q-begin>>>"
SUFFIX = b"<<<q-end>>>"
OBJECTS = 1000
ROUNDS = 21


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.quickack = getattr(socket, "TCP_QUICKACK", None)
        self.buf = bytearray()

    def send(self, line):
        self.s.sendall(line.encode() + b"\r\n")

    def until(self, marker, timeout=60.0):
        deadline = time.monotonic() + timeout
        while marker not in self.buf:
            if self.quickack is not None:
                self.s.setsockopt(socket.IPPROTO_TCP, self.quickack, 1)
            self.s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.s.recv(65536)
            if not chunk:
                sys.exit("connection closed")
            self.buf.extend(chunk)
        end = self.buf.index(marker) + len(marker)
        got = bytes(self.buf[:end])
        del self.buf[:end]
        return got

    def rtt(self, line, marker, rounds=ROUNDS):
        """Median ms from sending `line` until `marker` arrives."""
        times = []
        for i in range(rounds + 1):
            start = time.perf_counter()
            self.send(line)
            self.until(marker)
            if i > 0:
                times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    def sync(self, tag):
        self.send(f"think {tag}")
        self.until(tag.encode())


def counter(c, tag):
    """The Counter's N now."""
    c.send(f"think {tag}=[get(Counter/N)]=end")
    got = c.until(b"=end").split(f"{tag}=".encode())[-1]
    return int(got[: -len(b"=end")].strip() or 0)


def main():
    host, port, name, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        sys.exit("loopback addresses only")
    c = Conn(host, port)
    c.send(f"connect {name} {password}")
    time.sleep(1.0)
    c.send("@dig Bench Hall")
    c.until(b"created with room number ")
    hall = c.until(b".").rstrip(b".").strip().decode()
    c.send(f"@tel #{hall}")
    c.sync("in-hall")

    think = c.rtt("think plain", b"plain")
    for i in range(OBJECTS):
        c.send(f"@create Obj{i}")
        c.send(f"&CMD Obj{i}=$cmd{i} *:@pemit %#=hit{i} %0")
        c.send(f"@set Obj{i}=!NO_COMMAND")
        c.send(f"drop Obj{i}")
    c.sync("objects-made")
    hit = c.rtt(f"cmd{OBJECTS // 2} x", f"hit{OBJECTS // 2} x".encode())
    huh = c.rtt("nosuchcommand", b"Huh?")
    print(f"$-commands, {OBJECTS} objects in the room (median of {ROUNDS}):")
    print(f"  think          {think:8.3f} ms")
    print(f"  matched        {hit:8.3f} ms  (+{hit - think:.3f} ms)")
    print(f"  nothing (Huh?) {huh:8.3f} ms  (+{huh - think:.3f} ms)")

    c.send("@tel #0")
    c.sync("left-hall")
    idle_say = c.rtt("say idle", b"You say")
    c.send("@create Counter")
    c.send("&N Counter=0")
    c.send("&LOOP Counter=&N me=[add(v(N),1)];@trigger me/loop")
    c.send("drop Counter")
    c.sync("counter-made")
    c.send("@trigger Counter/LOOP")
    time.sleep(1.0)
    n1 = counter(c, "n1")
    t1 = time.perf_counter()
    busy_say = c.rtt("say busy", b"You say")
    n2 = counter(c, "n2")
    t2 = time.perf_counter()
    c.send("@halt Counter")
    c.sync("halted")
    rate = (n2 - n1) / (t2 - t1)
    print(f"queue: {rate:,.0f} entries/s (an entry: an attribute set and a @trigger)")

    c.send("@create Bomb")
    c.send("&BOMB Bomb=@trigger me/bomb;@trigger me/bomb")
    c.send("drop Bomb")
    c.sync("bomb-made")
    c.send("@trigger Bomb/BOMB")
    start = time.perf_counter()
    c.send("say during the bomb")
    c.until(b"You say")
    bomb_say = (time.perf_counter() - start) * 1000
    c.until(b"Runaway object")
    print(f"say round trip: idle {idle_say:.3f} ms, beside a looping object "
          f"{busy_say:.3f} ms, first say after a fork bomb starts {bomb_say:.3f} ms")


if __name__ == "__main__":
    main()
