#!/usr/bin/env bash
# The whole test suite, from a fresh machine with only the Rust toolchain.
# Installs what the tests need, then runs formatting, lints and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

need_redis=0
if ! command -v redis-server >/dev/null 2>&1; then
    need_redis=1
fi
if [ "$need_redis" = 1 ]; then
    echo "== installing redis-server (needed by the Redis backend tests)"
    if command -v apt-get >/dev/null 2>&1; then
        SUDO=""
        if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
        # The tests start their own servers on free ports; the system one is not needed.
        ($SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true)
    else
        echo "redis-server is missing and apt-get is not available: install Redis and re-run" >&2
        exit 1
    fi
fi

if ! command -v chromium >/dev/null 2>&1; then
    echo "== installing chromium (needed by the web client browser test)"
    if command -v apt-get >/dev/null 2>&1; then
        SUDO=""
        if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
    else
        echo "chromium is missing and apt-get is not available: install Chromium and re-run" >&2
        exit 1
    fi
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test"
cargo test --workspace --all-targets
