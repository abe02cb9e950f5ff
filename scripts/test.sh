#!/usr/bin/env bash
# npm test: install what is missing, build, then run every test (unit and
# integration) with Node's test runner against one shared Temporal dev server.
#   npm test                      everything
#   npm test -- dist/test/api     only the compiled tests under these paths
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The deploy ramdisk's kernel boots the PXE tests' VMs (built once from Debian packages, cached).
bash ramdisk/build.sh >/dev/null
if [ $# -eq 0 ]; then
  echo "lint: eslint (dependency directions, floating promises) and prettier (format: npm run format)" >&2
  npm run --silent lint
fi

work=$(mktemp -d /tmp/ironflow-test.XXXXXX)
temporal_pid=
cleanup() {
  if [ -n "$temporal_pid" ]; then kill "$temporal_pid" 2>/dev/null || true; wait "$temporal_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${IRONFLOW_TEST_TEMPORAL_ADDRESS:-}" ]; then
  cli=$(bash scripts/temporal-cli.sh)
  port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  ui=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  "$cli" server start-dev --ip 127.0.0.1 --port "$port" --ui-port "$ui" --headless --log-level error >"$work/temporal.log" 2>&1 &
  temporal_pid=$!
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.2
  done
  export IRONFLOW_TEST_TEMPORAL_ADDRESS=127.0.0.1:$port IRONFLOW_TEMPORAL_CLI=$cli
fi
export IRONFLOW_TEST_HOME=$work

roots=("$@")
[ ${#roots[@]} -gt 0 ] || roots=(dist)
mapfile -t files < <(find "${roots[@]}" -name '*.test.js' -not -path '*/node_modules/*' | sort)
echo "running ${#files[@]} test files" >&2
# Two files at a time: the machine has two cores and most time is spent waiting on real servers.
node --test --test-concurrency="${IRONFLOW_TEST_CONCURRENCY:-2}" --test-reporter=spec "${files[@]}"
