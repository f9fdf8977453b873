#!/usr/bin/env bash
# The standard load runs against a freshly started release mushd, with the embedded
# store and then with Redis, printing each result table. Loopback only.
#
#   bash scripts/bench.sh            # full scale (the README baseline; ~10 minutes)
#   SCALE=small bash scripts/bench.sh  # a quick pass
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${SCALE:-full}"
if [ "$SCALE" = small ]; then
    IDLE=1000; CHAT_ROOMS_CLIENTS=100; CHAT_ONE_ROOM=50; REBOOT=100; DURATION=5
else
    IDLE=10000; CHAT_ROOMS_CLIENTS=1000; CHAT_ONE_ROOM=200; REBOOT=1000; DURATION=20
fi

cargo build --release --bins
BIN=target/release
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() { # $1 = backend, $2 = redis port (for redis)
    local backend="$1" port="$2"
    rm -rf "$WORK/data"
    {
        echo '[server]'
        echo 'listen = ["127.0.0.1:0"]'
        echo '[store]'
        echo "backend = \"$backend\""
        echo "data_dir = \"$WORK/data\""
        if [ "$backend" = redis ]; then
            echo '[store.redis]'
            echo "url = \"redis://127.0.0.1:$port\""
        fi
        echo '[game]'
        echo 'initial_god_password = "bench-god"'
        # Cheap hashes: the runs measure the server, not argon2 (see README).
        echo 'password_hash_memory_kib = 64'
        echo '[limits]'
        echo 'failed_logins_per_ip_per_minute = 1000000'
        echo 'failed_logins_per_minute = 0'
        echo 'creates_per_ip_per_hour = 0'
        echo 'creates_per_hour = 0'
        echo 'max_connections_per_ip = 100000'
        echo '[log]'
        echo 'level = "warn"'
    } > "$WORK/mushd.toml"
    "$BIN/mushd" serve --config "$WORK/mushd.toml" > "$WORK/out.log" 2> "$WORK/err.log" &
    SERVER_PID=$!
    for _ in $(seq 100); do
        ADDR=$(grep -o '127.0.0.1:[0-9]*' "$WORK/out.log" | head -1 || true)
        [ -n "$ADDR" ] && return 0
        sleep 0.1
    done
    echo "mushd did not start:"; cat "$WORK/err.log"; exit 1
}

load() { "$BIN/mushd-load" --addr "$ADDR" --deadline-secs 900 "$@" 2>/dev/null; }

run_set() { # $1 = backend label
    echo "=================== $1 ==================="
    # First, on the fresh database, so the ten rooms dug are #2 to #11.
    echo "--- chat: $CHAT_ROOMS_CLIENTS clients in 10 rooms, each says every second"
    load --scenario chat --clients "$CHAT_ROOMS_CLIENTS" --rooms 10 --duration-secs "$DURATION" \
        --wizard One:bench-god --setup-cmd '@dig Room {room}' --room-offset 2 \
        --room-cmd '@tel {name}=#{room}' --move-by-wizard --prefix rooms --server-pid "$SERVER_PID"
    echo "--- chat: $CHAT_ONE_ROOM clients in one room, each says every second"
    load --scenario chat --clients "$CHAT_ONE_ROOM" --duration-secs "$DURATION" --prefix one --server-pid "$SERVER_PID"
    echo "--- churn: connect, log in, one command, quit, 4 workers"
    load --scenario churn --churn-workers 4 --duration-secs "$DURATION" --prefix churn
    echo "--- reboot: $REBOOT sessions chatting in 10 rooms, @reboot after 5 s"
    load --scenario reboot --clients "$REBOOT" --rooms 10 --duration-secs 10 --reboot-at-secs 5 \
        --wizard One:bench-god --room-offset 2 --room-cmd '@tel {name}=#{room}' \
        --move-by-wizard --prefix rb
    echo "--- idle: $IDLE logged-in connections (server memory per connection)"
    load --scenario idle --clients "$IDLE" --duration-secs 5 --server-pid "$SERVER_PID" --prefix idle
}

start_server embedded ""
run_set "embedded store"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true

if command -v redis-server >/dev/null; then
    RPORT=$(free_port)
    redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no > /dev/null &
    REDIS_PID=$!
    sleep 0.5
    start_server redis "$RPORT"
    run_set "redis store"
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
    kill "$REDIS_PID"
else
    echo "redis-server not installed: skipping the Redis runs (scripts/test.sh installs it)"
fi
