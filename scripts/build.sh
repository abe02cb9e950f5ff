#!/usr/bin/env bash
# Compiles the TypeScript tree to dist/ and bundles the workflow code once
# (dist/workflow-bundle.js), so workers start without running webpack.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p .
# tsconfig "paths" aliases (#apps/..., #workflows/...) become relative requires in dist/.
node scripts/resolve-aliases.mjs dist
node dist/scripts/bundle-workflows.js
