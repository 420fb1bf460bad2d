#!/usr/bin/env bash
# Installs everything the tests, the demo and the benchmark need on a fresh
# machine: valkey-server/valkey-cli from Debian, Chromium from Debian (for
# the demo page's browser test), and the npm packages (Deno, Bun and both
# TypeScript 5 and 7 come from npm). Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_valkey.sh >/dev/null
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=; [ "$(id -u)" = "0" ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
if [ ! -d node_modules/@valkey/valkey-glide ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
