#!/usr/bin/env bash
# Installs whatever is missing, idempotently: Debian packages, npm dependencies,
# the Temporal CLI, the Prisma clients, then builds. Safe to run again and again;
# each step is skipped when its inputs have not changed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
log() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

# --- Debian packages ---------------------------------------------------------
# What each is for: README.md, "Requirements".
APT_PACKAGES=(
  ipmitool openipmi tgt qemu-utils qemu-block-extra libiscsi-bin
  tftpd-hpa tftp-hpa pxelinux syslinux-common busybox-static
  python3-ironicclient python3-openstacksdk python3-sushy postgresql sqlite3 build-essential python3 qemu-system-x86 linux-image-amd64
  xorriso gdisk fdisk cloud-init
  binutils kmod openssl
  dnsmasq-base iproute2 ovmf ipxe openssh-client dropbear-bin syslinux-efi mtools dosfstools jq
  isolinux grub-efi-amd64-bin grub-common
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
  # tftpd-hpa and postgresql must not start system services: we run our own on free ports.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${SUDO[@]}" chmod +x /usr/sbin/policy-rc.d
    trap '"${SUDO[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  # A new machine may still be running its own apt (e.g. apt-daily): wait for its lock.
  lock=(-o DPkg::Lock::Timeout=600)
  "${SUDO[@]}" apt-get "${lock[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- npm dependencies --------------------------------------------------------
stamp=node_modules/.ironflow-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing npm dependencies (better-sqlite3 compiles from source, ~1 min)"
  # `npm install` with the committed lock, not `npm ci`: the registry these machines reach lacks
  # @swc/core's binaries for other platforms, and `npm ci` refuses a lock without them.
  npm install --no-audit --no-fund --loglevel=error
  # npm may complete the lock (e.g. optional platform packages); stamp what it left.
  sha256sum package-lock.json | cut -d' ' -f1 > "$stamp"
fi

# --- Temporal CLI -------------------------------------------------------------
bash scripts/temporal-cli.sh >/dev/null

# --- gophercloud consumer program (Go, fetched from the module proxy if missing) -------
# Its test skips, saying why, when this cannot build it (no Go and no module proxy).
bash scripts/gophercloud-roundtrip.sh >/dev/null || log "gophercloud consumer program not built: test/consumers/gophercloud.test.ts will be skipped"

# --- Prisma clients (SQLite and PostgreSQL) ----------------------------------
bash scripts/prisma.sh generate

# --- build -----------------------------------------------------------------------
bash scripts/build.sh
