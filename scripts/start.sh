#!/usr/bin/env bash
# npm start: install what is missing, build, then run the whole stack on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The deploy ramdisk (kernel + initramfs from Debian packages, cached in .cache/ramdisk).
bash ramdisk/build.sh >&2 || echo "start: the deploy ramdisk could not be built; deploys need IRONFLOW_DEPLOY_KERNEL/RAMDISK" >&2
exec node dist/scripts/stack.js
