#!/usr/bin/env bash
# The benchmark (issue 11): store ops per store and per number of callers
# (ops/s, app CPU µs and Valkey CPU µs per call) on Node against
# connect-valkey 1.0.1, connect-redis 9 and the raw-GLIDE floor; this store
# alone under Bun and Deno; end-to-end Express 5 requests/s; and scans over
# 100k/1M sessions. Everything runs against valkey-servers it starts on
# loopback. Tables go to stdout and, with a header describing the machine,
# to bench/results/latest.md (JSON and Markdown per part beside it).
#
#   RUNS=3     runs per figure (the median is reported)
#   SECONDS_PER_FIGURE=1   seconds per store-ops figure (e2e: E2E_SECONDS=5)
#   CALLERS=1,16,64,256    concurrencies of the store-ops tables
#   QUICK=1 (or --quick)   smoke test: 0.3 s per figure, 1 run, small scans;
#                          writes bench/results/quick.md, not latest.md
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--quick" ]; then QUICK=1; fi
QUICK=${QUICK:-0}
if [ "$QUICK" = "1" ]; then
  runs=1 seconds=0.3 e2e_seconds=0.3 warmup=0.1 e2e_warmup=0.3 sizes=10000 out=quick.md
else
  runs=${RUNS:-3} seconds=${SECONDS_PER_FIGURE:-1} e2e_seconds=${E2E_SECONDS:-5}
  warmup=0.2 e2e_warmup=1 sizes=100000,1000000 out=latest.md
fi
callers=${CALLERS:-1,16,64,256}
bash scripts/setup.sh
npx deno run -A scripts/build_npm.ts --skip-tests
mkdir -p bench/results

node_version=$(node --version)
bun_version=$(npx bun --version)
deno_version=$(npx deno --version | head -1 | cut -d' ' -f2)
ops_args=(--seconds "$seconds" --runs "$runs" --callers "$callers" --warmup "$warmup")
{
  echo "# connect-valkey benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (dirty)')"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) memory, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
  echo "- valkey-server $(valkey-server --version | grep -o 'v=[^ ]*' | cut -d= -f2), @valkey/valkey-glide $(node -p 'require("./node_modules/@valkey/valkey-glide/package.json").version')"
  echo "- Node $node_version, Bun $bun_version, Deno $deno_version"
  echo
  node npm/esm/bench/store_ops.js --peers "${ops_args[@]}" --label "Node $node_version"
  echo
  npx bun bench/store_ops.ts "${ops_args[@]}" --label "Bun $bun_version"
  echo
  npx deno run -A bench/store_ops.ts "${ops_args[@]}" --label "Deno $deno_version"
  echo
  node npm/esm/bench/e2e.js --runs "$runs" --seconds "$e2e_seconds" --warmup "$e2e_warmup"
  echo
  node --expose-gc npm/esm/bench/scan.js --sizes "$sizes"
} | tee "bench/results/$out"
