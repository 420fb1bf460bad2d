#!/usr/bin/env bash
# The benchmark: store ops/s against peers (Node), this store under Bun and
# Deno, end-to-end Express requests/s, and scans over 100k/1M sessions.
# Everything runs against valkey-servers it starts on loopback. Tables go to
# stdout and to bench/results/latest.md. RUNS (default 3) sets the runs per
# figure (the median is reported).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
runs=${RUNS:-3}
npx deno run -A scripts/build_npm.ts --skip-tests
mkdir -p bench/results
{
  echo "# connect-valkey benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(valkey-server --version | cut -d' ' -f3)"
  echo
  node npm/esm/bench/store_ops.js --peers --runs "$runs" --label "Node $(node --version)"
  echo
  npx bun bench/store_ops.ts --runs "$runs" --label "Bun $(npx bun --version)"
  echo
  npx deno run -A bench/store_ops.ts --runs "$runs" --label "Deno $(npx deno --version | head -1 | cut -d' ' -f2)"
  echo
  node npm/esm/bench/e2e.js --runs "$runs" --seconds 5
  echo
  node --expose-gc npm/esm/bench/scan.js
} | tee bench/results/latest.md
