#!/bin/bash
# One channel, many members: N clients join Public at login and each says "+pub <tag>" every
# INTERVAL ms; every arrival at every member is timed. SAY="say {text}" gives the room A/B.
# Usage: CLIENTS=1000 INTERVAL=10000 DURATION=10 bash scripts/chan-bench.sh
set -euo pipefail
cargo build --release --bins
BIN="${CARGO_TARGET_DIR:-target}/release"
WORK=$(mktemp -d)
cat > "$WORK/mushd.toml" <<EOT
[server]
listen = ["127.0.0.1:0"]
[store]
backend = "embedded"
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
EOT
cd "$(dirname "$0")/.."
"$BIN/mushd" serve --config "$WORK/mushd.toml" > "$WORK/out.log" 2> "$WORK/err.log" &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do ADDR=$(grep -o '127.0.0.1:[0-9]*' "$WORK/out.log" | head -1 || true); [ -n "$ADDR" ] && break; sleep 0.1; done
"$BIN/mushd-load" --addr "$ADDR" --deadline-secs 600 --scenario chat --clients "${CLIENTS:-1000}" \
  --interval-ms "${INTERVAL:-10000}" --duration-secs "${DURATION:-10}" \
  --create $'create {name} {password}\n@channel/on Public' --say "${SAY:-+pub {text}}" "$@"
