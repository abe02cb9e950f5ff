#!/usr/bin/env bash
# Prints the path of a Temporal CLI, installing it if needed, in this order:
# `temporal` on PATH if it is $VERSION, the cached .tools/bin/temporal, the release archive the
# Temporal SDK itself downloads (temporal.download; needs the internet), then a
# build from the Go module proxy (go install; the first build takes several minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v1.5.1   # later tags carry a replace directive and cannot be go-installed by version
# A `temporal` on PATH only if it is this release: another one would make the tests pass or
# fail on that machine alone.
if command -v temporal >/dev/null 2>&1; then
  have=$(temporal --version 2>/dev/null || true)
  if [[ $have == *"version ${VERSION#v} "* ]]; then command -v temporal; exit 0; fi
  echo "temporal-cli: ignoring $(command -v temporal) (${have:-no version}): not $VERSION" >&2
fi
cached=$PWD/.tools/bin/temporal
if [ -x "$cached" ]; then echo "$cached"; exit 0; fi
mkdir -p .tools/bin
arch=$(uname -m); case $arch in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
url="https://temporal.download/cli/archive/$VERSION?platform=linux&arch=$arch"
if command -v curl >/dev/null 2>&1 && curl -fsSL --connect-timeout 5 --max-time 120 "$url" -o .tools/temporal.tar.gz 2>/dev/null; then
  if tar -xzf .tools/temporal.tar.gz -C .tools/bin temporal 2>/dev/null && [ -x "$cached" ]; then
    rm -f .tools/temporal.tar.gz
    echo "$cached"
    exit 0
  fi
fi
rm -f .tools/temporal.tar.gz
echo "temporal-cli: no download reachable; building from the Go module proxy instead" >&2
GO=$(command -v go || echo /usr/local/go/bin/go)
if [ ! -x "$GO" ]; then
  echo "temporal-cli: no 'temporal' on PATH and no Go toolchain to build it; install the Temporal CLI" >&2
  exit 1
fi
echo "temporal-cli: building the Temporal CLI $VERSION with go install (several minutes, once)" >&2
mkdir -p .tools/bin .tools/gocache .tools/gopath
GOBIN=$PWD/.tools/bin GOPATH=$PWD/.tools/gopath GOCACHE=$PWD/.tools/gocache GOFLAGS=-modcacherw \
  "$GO" install "github.com/temporalio/cli/cmd/temporal@$VERSION" >&2
echo "$cached"
