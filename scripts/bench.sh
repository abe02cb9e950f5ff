#!/usr/bin/env bash
# npm run bench -- <name> [args]: installs what is missing and builds (setup.sh),
# then runs the benchmark dist/bench/<name>.js with the remaining arguments.
# npm run bench (no name): lists the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."

# A benchmark is a compiled dist/bench/*.js that runs when started directly.
list() {
  local f name about
  for f in dist/bench/*.js; do
    [ -e "$f" ] || continue
    grep -q 'require.main === module' "$f" || continue
    name=$(basename "$f" .js)
    # its description: the first comment line of its source (tsc may drop it from the JS)
    about=$( { grep -m1 -h '^// ' "bench/$name.ts" "$f" 2>/dev/null || true; } | head -1 | sed 's#^// ##')
    printf '  %-14s %s\n' "$name" "$about"
  done
}

if [ $# -eq 0 ] || [ "$1" = --help ] || [ "$1" = -h ]; then
  [ -d dist/bench ] || bash scripts/setup.sh >&2
  echo "usage: npm run bench -- <name> [options]   (npm run bench -- <name> --help for its options)"
  echo "benchmarks:"
  list
  exit 0
fi

name=$1
shift
case $name in
  */* | .* | -* | "") echo "bench: usage: npm run bench -- <name> [options]; '$name' is not a name" >&2; exit 2 ;;
esac
if [ ! -f "bench/$name.ts" ]; then
  echo "bench: no benchmark called '$name'; these exist:" >&2
  list >&2
  exit 2
fi
bash scripts/setup.sh >&2
file=dist/bench/$name.js
if [ ! -f "$file" ] || ! grep -q 'require.main === module' "$file"; then
  echo "bench: no benchmark called '$name'; these exist:" >&2
  list >&2
  exit 2
fi
exec node "$file" "$@"
