#!/usr/bin/env bash
# Does a `say` cost the same with Redis up, slow or down? Runs the same chat load
# against one release mushd on the Redis backend three times: Redis healthy, Redis
# paused (every command waits), Redis killed. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS="${CLIENTS:-200}"
DURATION="${DURATION:-10}"
cargo build --release --bins
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no > /dev/null &
REDIS_PID=$!
sleep 0.5
cat > "$WORK/mushd.toml" <<TOML
[server]
listen = ["127.0.0.1:0"]
[store]
backend = "redis"
data_dir = "$WORK/data"
[store.redis]
url = "redis://127.0.0.1:$RPORT"
[game]
initial_god_password = "bench-god"
password_hash_memory_kib = 64
[limits]
failed_logins_per_ip_per_minute = 1000000
failed_logins_per_minute = 0
creates_per_ip_per_hour = 0
creates_per_hour = 0
[log]
level = "error"
TOML
target/release/mushd serve --config "$WORK/mushd.toml" > "$WORK/out.log" 2>&1 &
sleep 1
ADDR=$(grep -o '127.0.0.1:[0-9]*' "$WORK/out.log" | head -1)
run() { target/release/mushd-load --addr "$ADDR" --scenario chat --clients "$CLIENTS" \
    --duration-secs "$DURATION" --existing "$@" 2>/dev/null | grep -E 'p50|p99_ms|max|deliveries'; }
# Create the players once, so every run below is the same work.
target/release/mushd-load --addr "$ADDR" --scenario chat --clients "$CLIENTS" --duration-secs 1 \
    --warmup-secs 0 > /dev/null 2>&1
echo "--- Redis up"; run
echo "--- Redis slow (DEBUG SLEEP: Redis answers nothing for the whole run)"
redis-cli -p "$RPORT" DEBUG SLEEP $((DURATION + 15)) > /dev/null &
sleep 0.2
run
wait $! || true
echo "--- Redis down (killed)"
kill -9 "$REDIS_PID"
run
