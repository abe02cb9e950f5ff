#!/usr/bin/env bash
# npm run lab -- up --nodes N | status | down   (needs a running Ironflow: npm start)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec node dist/scripts/lab.js "$@"
