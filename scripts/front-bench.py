#!/usr/bin/env python3
"""Measures the front process on its own: TLS handshake time over loopback, and its memory
per idle TLS and per idle WebSocket connection (VmRSS before and after opening N of each).

Runs `mushd front` (release build) against a stand-in for mushd's Unix socket that accepts
and holds connections. Needs openssl (for a throwaway certificate).

    cargo build --release && python3 scripts/front-bench.py [--mushd target/release/mushd]
"""
import argparse
import base64
import os
import re
import resource
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def backend(path, held):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4096)

    def loop():
        while True:
            conn, _ = srv.accept()
            held.append(conn)
            try:
                conn.sendall(b"Welcome\r\n")
            except OSError:
                pass

    threading.Thread(target=loop, daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mushd", default=os.environ.get("CARGO_TARGET_DIR", "target") + "/release/mushd")
    ap.add_argument("--handshakes", type=int, default=50)
    ap.add_argument("--idle", type=int, default=500)
    ap.add_argument("--key", default="ec", choices=["ec", "rsa"])
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    tmp = tempfile.mkdtemp()
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] if args.key == "ec" else ["-newkey", "rsa:2048"]
    subprocess.run(["openssl", "req", "-x509", *newkey, "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    sock = os.path.join(tmp, "front.sock")
    held = []
    backend(sock, held)
    front = subprocess.Popen([args.mushd, "front", "--backend", sock, "--tls-listen", "127.0.0.1:0",
                              "--web-listen", "127.0.0.1:0", "--cert", cert, "--key", key,
                              "--max-connections", "100000", "--log-level", "warn"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    global FRONT
    FRONT = front
    tls_addr = web_addr = None
    while tls_addr is None or web_addr is None:
        line = front.stdout.readline()
        if not line:
            sys.exit("front exited")
        m = re.match(r"mushd: tls listening on (\S+):(\d+)", line)
        if m:
            tls_addr = (m.group(1), int(m.group(2)))
        m = re.match(r"mushd: web client on http://(\S+):(\d+)/", line)
        if m:
            web_addr = (m.group(1), int(m.group(2)))

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE

    def tls_conn():
        s = socket.create_connection(tls_addr)
        t = ctx.wrap_socket(s, server_hostname="localhost")
        assert t.recv(100).startswith(b"Welcome")
        return t

    # Handshake time: TCP connect plus the TLS handshake, as the client sees it.
    for _ in range(5):
        tls_conn().close()
    times = []
    for _ in range(args.handshakes):
        s = socket.create_connection(tls_addr)
        t0 = time.perf_counter()
        t = ctx.wrap_socket(s, server_hostname="localhost")
        times.append((time.perf_counter() - t0) * 1000)
        version = t.version()
        t.close()
    print(f"TLS handshake ({args.key} key, {version}), "
          f"median of {args.handshakes}: {statistics.median(times):.2f} ms "
          f"(min {min(times):.2f}, max {max(times):.2f})")

    time.sleep(0.5)
    base = rss_kib(front.pid)
    conns = [tls_conn() for _ in range(args.idle)]
    time.sleep(1)
    after_tls = rss_kib(front.pid)
    print(f"front RSS: {base} KiB idle; with {args.idle} idle TLS connections {after_tls} KiB "
          f"-> {(after_tls - base) / args.idle:.1f} KiB each")

    def ws_conn():
        s = socket.create_connection(web_addr)
        k = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {k}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        got = b""
        while b"Welcome" not in got:
            chunk = s.recv(4096)
            if not chunk:
                raise SystemExit("websocket closed: %r" % got)
            got += chunk
        assert got.startswith(b"HTTP/1.1 101")
        return s

    wsc = [ws_conn() for _ in range(args.idle)]
    time.sleep(1)
    after_ws = rss_kib(front.pid)
    print(f"front RSS: with {args.idle} idle WebSocket connections more {after_ws} KiB "
          f"-> {(after_ws - after_tls) / args.idle:.1f} KiB each")
    for c in conns + wsc:
        c.close()


if __name__ == "__main__":
    FRONT = None
    try:
        main()
    finally:
        if FRONT is not None:
            FRONT.terminate()
            FRONT.wait()
