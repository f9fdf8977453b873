#!/usr/bin/env bash
# Connection costs, each on a freshly started release mushd (embedded store), loopback:
# memory per idle logged-in connection at 1,000 and 10,000 connections (first with a
# new player created per connection, then, after a restart on the same database, the
# same players logging in again: the connection alone), and server CPU per delivery in
# the chat scenario (200 clients in one room; 1,000 in ten rooms).
#
#   bash scripts/conn-bench.sh              # all four
#   ONLY=idle bash scripts/conn-bench.sh    # idle | one | rooms
set -euo pipefail
cd "$(dirname "$0")/.."
ONLY="${ONLY:-all}"
DURATION="${DURATION:-20}"
BIN="${BIN:-target/release}"
[ "${NO_BUILD:-0}" = 1 ] || cargo build --release --bins
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

start_server() {
    [ "${1:-}" = keep ] || rm -rf "$WORK/data"
    cat > "$WORK/mushd.toml" <<TOML
[server]
listen = ["127.0.0.1:0"]
[store]
data_dir = "$WORK/data"
[game]
initial_god_password = "bench-god"
password_hash_memory_kib = 64
[limits]
failed_logins_per_ip_per_minute = 1000000
failed_logins_per_minute = 0
creates_per_ip_per_hour = 0
creates_per_hour = 0
max_connections_per_ip = 100000
[log]
level = "warn"
TOML
    "$BIN/mushd" serve --config "$WORK/mushd.toml" > "$WORK/out.log" 2> "$WORK/err.log" &
    SERVER_PID=$!
    for _ in $(seq 100); do
        ADDR=$(grep -o '127.0.0.1:[0-9]*' "$WORK/out.log" | head -1 || true)
        [ -n "$ADDR" ] && return 0
        sleep 0.1
    done
    echo "mushd did not start:"; cat "$WORK/err.log"; exit 1
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; }
load() { "$BIN/mushd-load" --addr "$ADDR" --deadline-secs 900 --server-pid "$SERVER_PID" "$@" 2>/dev/null; }

if [ "$ONLY" = all ] || [ "$ONLY" = idle ]; then
    for n in 1000 10000; do
        echo "--- idle: $n logged-in connections"
        start_server; load --scenario idle --clients "$n" --duration-secs 5 --prefix idle; stop_server
        echo "--- idle: the same $n players again, after a restart (the connection alone)"
        start_server keep
        load --scenario idle --clients "$n" --duration-secs 5 --prefix idle --existing
        stop_server
    done
fi
if [ "$ONLY" = all ] || [ "$ONLY" = one ]; then
    echo "--- chat: 200 clients in one room, each says every second"
    start_server; load --scenario chat --clients 200 --duration-secs "$DURATION" --prefix one; stop_server
fi
if [ "$ONLY" = all ] || [ "$ONLY" = rooms ]; then
    echo "--- chat: 1,000 clients in 10 rooms, each says every second"
    start_server
    load --scenario chat --clients 1000 --rooms 10 --duration-secs "$DURATION" \
        --wizard One:bench-god --setup-cmd '@dig Room {room}' --room-offset 2 \
        --room-cmd '@tel {name}=#{room}' --move-by-wizard --prefix rooms
    stop_server
fi
