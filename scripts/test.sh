#!/usr/bin/env bash
# The whole test suite: installs what it needs, emits the npm package, then
# runs the same tests under Deno, Bun, and Node (against the emitted
# package), and prints a summary per runtime. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
mkdir -p .tmp
rm -f .tmp/deno.xml .tmp/bun.xml .tmp/node.xml
started=$(date +%s)

echo "== build the npm package"
npx deno run -A scripts/build_npm.ts --skip-tests || exit 1

echo "== Deno"
npx deno test -A --junit-path=.tmp/deno.xml tests/
echo "== Bun"
npx bun test --timeout 120000 --reporter=junit --reporter-outfile=.tmp/bun.xml ./tests/ 2>&1 | grep -v '^(pass)'
echo "== Node (against npm/)"
npx deno run -A scripts/build_npm.ts --only-tests --test-reporter=junit --test-reporter-destination=.tmp/node.xml

echo "== static checks: deno check, lint, fmt, README code blocks, JSR score, doc tests"
static=0
./node_modules/.bin/deno task check || static=1
./node_modules/.bin/deno task score || static=1
./node_modules/.bin/deno task test:doc || static=1

echo "== summary ($(( $(date +%s) - started )) s)"
if [ "$static" = 0 ]; then echo "static checks: passed"; else echo "static checks: FAILED"; fi
npx deno run -A scripts/summarize_tests.ts deno=.tmp/deno.xml bun=.tmp/bun.xml node=.tmp/node.xml || exit 1
exit "$static"
