#!/usr/bin/env bash
# Prints the path of the gophercloud consumer test program (test/consumers/gophercloud),
# building it if needed into the git-ignored .tools/consumers/, keyed by a digest of its
# sources (a rebuild only when they change; ~10 s with the module cache warm).
# Go: `go` on PATH or /usr/local/go if it is new enough for gophercloud v2 (go.mod's
# `go` line), else the Go toolchain module golang.org/toolchain from the Go module proxy
# (what `go` itself fetches with GOTOOLCHAIN), unpacked once into .tools/.
set -euo pipefail
cd "$(dirname "$0")/.."
src=test/consumers/gophercloud
digest=$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-16)
out=$PWD/.tools/consumers/gophercloud-roundtrip-$digest
if [ -x "$out" ]; then echo "$out"; exit 0; fi
need=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$src/go.mod")   # e.g. 1.25.0
TOOLCHAIN=go1.25.5                                       # fetched when no Go >= $need is installed
newer_or_equal() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
GO=
for g in "$(command -v go || true)" /usr/local/go/bin/go "$PWD/.tools/$TOOLCHAIN/bin/go"; do
  [ -n "$g" ] && [ -x "$g" ] || continue
  v=$("$g" env GOVERSION 2>/dev/null | sed 's/^go//') || continue
  if newer_or_equal "$v" "$need"; then GO=$g; break; fi
done
if [ -z "$GO" ]; then
  arch=$(uname -m); case $arch in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
  proxy=${GOPROXY:-https://proxy.golang.org}; proxy=${proxy%%,*}
  url="$proxy/golang.org/toolchain/@v/v0.0.1-$TOOLCHAIN.linux-$arch.zip"
  echo "gophercloud-roundtrip: no Go >= $need here; fetching the $TOOLCHAIN toolchain module from $proxy (once)" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  curl -fsSL --max-time 600 "$url" -o "$tmp/go.zip"
  (cd "$tmp" && python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' go.zip x)
  mkdir -p .tools
  rm -rf ".tools/$TOOLCHAIN"
  mv "$tmp/x/golang.org/toolchain@v0.0.1-$TOOLCHAIN.linux-$arch" ".tools/$TOOLCHAIN"
  # Module zips keep no file modes.
  chmod +x ".tools/$TOOLCHAIN"/bin/* ".tools/$TOOLCHAIN"/pkg/tool/*/*
  GO=$PWD/.tools/$TOOLCHAIN/bin/go
fi
echo "gophercloud-roundtrip: building with $("$GO" env GOVERSION) into $out" >&2
mkdir -p .tools/consumers .tools/gocache .tools/gopath
(cd "$src" && GOPATH=$PWD/../../../.tools/gopath GOCACHE=$PWD/../../../.tools/gocache GOFLAGS=-modcacherw GOTOOLCHAIN=local \
  "$GO" build -trimpath -o "$out.tmp.$$" .)
mv "$out.tmp.$$" "$out"
echo "$out"
