#!/usr/bin/env python3
"""The blackout of a hot reboot for each kind of connection: N telnet, N TLS and N
WebSocket players sit in one room while a telnet player says a numbered line every
--tick-ms; a wizard runs @reboot; each listener's longest gap between two lines is its
blackout. Reports, per kind, the median and worst blackout, lines lost and connections
lost. Starts its own release mushd (with a throwaway self-signed certificate; needs
openssl) on loopback ports.

    cargo build --release && python3 scripts/reboot-kinds.py [--clients 200]
"""
import argparse
import base64
import os
import selectors
import socket
import ssl
import statistics
import struct
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Client:
    """A line-reading player over telnet, TLS or WebSocket."""

    def __init__(self, kind, port):
        self.kind = kind
        raw = socket.create_connection(("127.0.0.1", port), timeout=20)
        if kind == "tls":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            raw = ctx.wrap_socket(raw)
        self.sock = raw
        self.buf = b""
        self.lines = []
        self.arrivals = {}
        self.closed = False
        if kind == "ws":
            key = base64.b64encode(os.urandom(16)).decode()
            raw.sendall(
                (
                    f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                    f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n"
                ).encode()
            )
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = raw.recv(4096)
                if not chunk:
                    raise RuntimeError("WebSocket handshake failed")
                head += chunk
            head, rest = head.split(b"\r\n\r\n", 1)
            if b" 101 " not in head.split(b"\r\n")[0]:
                raise RuntimeError(f"no upgrade: {head[:80]!r}")
            self.buf = rest

    def send(self, line):
        data = line.encode()
        if self.kind == "ws":
            mask = os.urandom(4)
            n = len(data)
            head = bytes([0x81])
            if n < 126:
                head += bytes([0x80 | n])
            else:
                head += bytes([0x80 | 126]) + struct.pack(">H", n)
            body = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            self.sock.sendall(head + mask + body)
        else:
            self.sock.sendall(data + b"\r\n")

    def _parse(self):
        if self.kind != "ws":
            while True:
                i = self.buf.find(b"\n")
                if i < 0:
                    return
                line, self.buf = self.buf[:i], self.buf[i + 1 :]
                # Drop telnet negotiation bytes (IAC sequences) and the CR.
                self.lines.append(strip_iac(line).rstrip(b"\r").decode("utf-8", "replace"))
        while len(self.buf) >= 2:
            op, n = self.buf[0] & 0x0F, self.buf[1] & 0x7F
            off = 2
            if n == 126:
                if len(self.buf) < 4:
                    return
                n, off = struct.unpack(">H", self.buf[2:4])[0], 4
            elif n == 127:
                if len(self.buf) < 10:
                    return
                n, off = struct.unpack(">Q", self.buf[2:10])[0], 10
            if len(self.buf) < off + n:
                return
            payload, self.buf = self.buf[off : off + n], self.buf[off + n :]
            if op == 1:
                self.lines.append(payload.decode("utf-8", "replace"))
            elif op == 8:
                self.closed = True

    def pump(self):
        """Reads what is there (non-blocking); returns the new lines."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    self.closed = True
                    break
                self.buf += chunk
                if not (self.kind == "tls" and self.sock.pending()):
                    break
        except (BlockingIOError, ssl.SSLWantReadError, socket.timeout):
            pass
        except OSError:
            self.closed = True
        before = len(self.lines)
        self._parse()
        new = self.lines[before:]
        del self.lines[before:]
        return new

    def record_ticks(self):
        """Reads what is there and notes when each numbered tick line first arrived."""
        for line in self.pump():
            if "tick " in line:
                try:
                    n = int(line.rsplit("tick ", 1)[1].rstrip('"'))
                except ValueError:
                    continue
                self.arrivals.setdefault(n, time.time())

    def expect(self, needle, timeout=30):
        self.sock.setblocking(True)
        self.sock.settimeout(timeout)
        deadline = time.time() + timeout
        got = []
        while time.time() < deadline:
            for line in self.pump_blocking():
                got.append(line)
                if needle in line:
                    return
        raise RuntimeError(f"{self.kind}: no {needle!r}; got {got[-5:]}")

    def pump_blocking(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            self.closed = True
            raise RuntimeError(f"{self.kind}: closed")
        self.buf += chunk
        before = len(self.lines)
        self._parse()
        new = self.lines[before:]
        del self.lines[before:]
        return new


def strip_iac(b):
    out = bytearray()
    i = 0
    while i < len(b):
        c = b[i]
        if c == 255 and i + 1 < len(b):
            cmd = b[i + 1]
            if cmd == 255:
                out.append(255)
                i += 2
            elif cmd == 250:
                end = b.find(b"\xff\xf0", i)
                i = len(b) if end < 0 else end + 2
            elif cmd in (251, 252, 253, 254):
                i += 3
            else:
                i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mushd", default="target/release/mushd")
    ap.add_argument("--clients", type=int, default=200, help="players of each kind")
    ap.add_argument("--tick-ms", type=int, default=20)
    ap.add_argument("--reboot-at", type=float, default=3.0)
    ap.add_argument("--seconds", type=float, default=8.0)
    args = ap.parse_args()

    work = tempfile.mkdtemp()
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
        check=True, capture_output=True)
    telnet, tls, web = free_port(), free_port(), free_port()
    config = os.path.join(work, "mushd.toml")
    with open(config, "w") as f:
        f.write(f"""[server]
listen = ["127.0.0.1:{telnet}"]
tls_listen = ["127.0.0.1:{tls}"]
web_listen = ["127.0.0.1:{web}"]
tls_cert = "{cert}"
tls_key = "{key}"
[store]
data_dir = "{work}/data"
[game]
initial_god_password = "bench-god"
password_hash_memory_kib = 64
[limits]
failed_logins_per_ip_per_minute = 1000000
failed_logins_per_minute = 0
creates_per_ip_per_hour = 0
creates_per_hour = 0
max_connections_per_ip = 100000
output_queue_bytes = 4194304
[log]
level = "warn"
""")
    server = subprocess.Popen([args.mushd, "serve", "--config", config],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        server.stdout.readline()
        time.sleep(0.5)
        ports = {"telnet": telnet, "tls": tls, "ws": web}
        god = Client("telnet", telnet)
        god.send("connect One bench-god")
        god.expect("Room Zero")
        clients = []
        for kind in ("telnet", "tls", "ws"):
            for i in range(args.clients):
                c = Client(kind, ports[kind])
                c.send(f"create {kind}{i} pw{i}")
                c.expect("has been created")
                c.sock.setblocking(False)
                clients.append(c)
        speaker = Client("telnet", telnet)
        speaker.send("create Speaker pwspeaker")
        speaker.expect("has been created")
        speaker.sock.setblocking(False)
        god.sock.setblocking(False)
        sel = selectors.DefaultSelector()
        for c in clients:
            sel.register(c.sock, selectors.EVENT_READ, c)
        # Let the arrival announcements drain.
        settle = time.time() + 2
        while time.time() < settle:
            for key_, _ in sel.select(0.05):
                key_.data.pump()
        start = time.time()
        tick, next_tick, rebooted = 0, start, False
        while time.time() < start + args.seconds:
            now = time.time()
            if now >= next_tick:
                speaker.send(f"say tick {tick}")
                tick += 1
                next_tick += args.tick_ms / 1000
            if not rebooted and now >= start + args.reboot_at:
                god.send("@reboot")
                rebooted = True
            speaker.pump()
            god.pump()
            for key_, _ in sel.select(0.002):
                key_.data.record_ticks()
        sent = tick
        # Late lines.
        drain = time.time() + 2
        while time.time() < drain:
            for key_, _ in sel.select(0.05):
                key_.data.record_ticks()
        print(f"{args.clients} players of each kind, one line every {args.tick_ms} ms, "
              f"@reboot at {args.reboot_at} s; {sent} lines said")
        print(f"{'kind':8} {'median blackout ms':>19} {'worst ms':>9} {'lines lost':>11} {'conns lost':>11}")
        for kind in ("telnet", "tls", "ws"):
            mine = [c for c in clients if c.kind == kind]
            gaps, lost = [], 0
            for c in mine:
                times = sorted(c.arrivals.values())
                gaps.append(max((b - a for a, b in zip(times, times[1:])), default=0) * 1000)
                lost += sum(1 for n in range(1, sent - 5) if n not in c.arrivals)
            dead = sum(1 for c in mine if c.closed)
            print(f"{kind:8} {statistics.median(gaps):19.1f} {max(gaps):9.1f} {lost:11d} {dead:11d}")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
