#!/usr/bin/env bash
# Starts a local valkey-server (installing it if missing) and the demo app.
# Ctrl-C stops both. PORT sets the app's port (default 3000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
dir=$(mktemp -d)
valkey_port=${VALKEY_PORT:-6390}
valkey-server --port "$valkey_port" --bind 127.0.0.1 --dir "$dir" --save "" --daemonize no \
  --logfile "$dir/valkey.log" &
valkey_pid=$!
trap 'kill "$valkey_pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do valkey-cli -p "$valkey_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
npx deno run -A examples/demo.ts --valkey-port "$valkey_port" --port "${PORT:-3000}"
