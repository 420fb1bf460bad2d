#!/usr/bin/env bash
# Installs everything the tests, the demo and the benchmark need on a fresh
# machine: valkey-server/valkey-cli from Debian, and the npm packages
# (including Deno and Bun, which come from npm). Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_valkey.sh >/dev/null
if [ ! -d node_modules/@valkey/valkey-glide ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
