#!/bin/bash
# Builds the deploy ramdisk: <repo>/.cache/ramdisk/kernel and initramfs.cpio.gz
# from Debian packages, without installing anything system-wide:
# `apt-get download` the packages, `dpkg-deb -x` them into a staging area,
# copy what the ramdisk needs into a root, pack it with cpio.
#
#   ramdisk/build.sh            build if the inputs changed, print the outputs
#   ramdisk/build.sh --force    rebuild
#
# Inputs (their hash decides whether to rebuild): ramdisk/init, inventory, rdinit,
# udhcpc.script, this script, and the exact versions of the packages used
# (the kernel image linux-image-amd64 points at, busybox-static, tgt, dropbear-bin, ipmitool
# and the packages of the shared libraries tgtd/tgtadm/dropbear/ipmitool need, found with
# readelf and `dpkg -S` on this machine, which must have tgt, dropbear-bin and ipmitool installed).
#
# initramfs layout: /init (= rdinit, PID 1), /ironflow/init (= ramdisk/init),
# /ironflow/inventory (= ramdisk/inventory, run by init in inspect mode),
# /bin/busybox + applet links, /usr/sbin/tgtd + tgtadm + their libraries,
# /usr/sbin/dropbear + /usr/bin/dropbearkey + theirs (rescue mode's SSH server),
# /usr/bin/ipmitool + its libraries (discover and inspect modes read the BMC's address),
# /lib/modules/<ver>/ with the drivers below and a modules.dep from busybox
# depmod (so busybox modprobe resolves dependencies). The IPMI drivers (IPMI_MODULES) are in
# that tree but not loaded at boot: init loads them where it reads the BMC's address.
set -euo pipefail
# No `cmd | grep -q` below, nor `cmd | head` where cmd writes more: under pipefail, a writer killed by SIGPIPE when
# the reader stops early fails the pipeline (seen here: 26 of 9000 `echo "$MANIFEST" | grep -q`
# checks failed, so about one build in 20 stopped with 'no candidate version').
# apt-cache, dpkg -S and readelf are parsed below: their words must not be translated.
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CACHE=${IRONFLOW_RAMDISK_CACHE:-$REPO/.cache/ramdisk}
DEBS=$CACHE/debs
FORCE=${1:-}
ARGS=("$@")

# Drivers for QEMU/KVM guests and common servers (NICs, disks). Their
# dependencies are added from the modules' own `depends` fields.
MODULES="e1000 e1000e igb virtio_pci virtio_net virtio_blk virtio_scsi ata_piix ahci sd_mod nvme af_packet"
# The system interface to a BMC (KCS/SMIC/BT: ipmi_si) and /dev/ipmi0 (ipmi_devintf), for ipmitool.
IPMI_MODULES="ipmi_si ipmi_devintf"

log() { echo "build.sh: $*" >&2; }

# ------------------------------------------------------------ packages ---

# The package lists decide the versions. A fresh machine may have none (apt-get update never
# ran: apt-cache then offers the installed versions, which the mirror may no longer have) or
# stale ones (a version gone from the mirror). Read them when there are none, and once more,
# starting over, when a package cannot be found or downloaded.
SUDO=()
[ "$(id -u)" = 0 ] || SUDO=(sudo)
update_lists() {
  log "reading the package lists (apt-get update)"
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 || { log "apt-get update failed"; exit 1; }
}
# again WHY: read the lists and run this script once more, or fail if that was done already.
again() {
  [ -z "${IRONFLOW_RAMDISK_LISTS_READ:-}" ] || { log "$1"; exit 1; }
  log "$1: reading the package lists again"
  update_lists
  IRONFLOW_RAMDISK_LISTS_READ=1 exec bash "$0" ${ARGS[@]+"${ARGS[@]}"}
}
eval "$(apt-config shell LISTS Dir::State::Lists/d)"
if [ -z "${IRONFLOW_RAMDISK_LISTS_READ:-}" ] && ! ls "${LISTS:-/var/lib/apt/lists}"/*_Packages* > /dev/null 2>&1; then
  update_lists
  export IRONFLOW_RAMDISK_LISTS_READ=1
fi

KPKG=$(apt-cache depends linux-image-amd64 2> /dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
[ -n "$KPKG" ] || again "cannot find the kernel package behind linux-image-amd64 in the package lists"
KVER=${KPKG#linux-image-}

needed() { readelf -d "$@" 2> /dev/null | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort -u; }

# Library packages of tgtd, tgtadm, dropbear and ipmitool (closure over NEEDED, one dpkg -S
# per level), via this host's package database.
lib_packages() {
  local todo seen=" " next so hits pkgs=""
  todo=$(needed /usr/sbin/tgtd /usr/sbin/tgtadm /usr/sbin/dropbear /usr/bin/dropbearkey /usr/bin/ipmitool)
  while [ -n "$todo" ]; do
    next=
    for so in $todo; do
      case "$seen" in *" $so "*) ;; *) seen="$seen$so "; next="$next */$so" ;; esac
    done
    [ -n "$next" ] || break
    hits=$(set -f; dpkg -S $next 2> /dev/null | grep -v -e ':i386' -e '^diversion') || true
    for so in $next; do
      grep -q "/${so#\*/}\$" <<< "$hits" || { log "no installed package ships ${so#\*/} (install tgt on this machine)"; exit 1; }
    done
    pkgs="$pkgs $(echo "$hits" | sed 's/:.*//' | tr ',' ' ')"
    todo=$(needed $(echo "$hits" | sed 's/^[^:]*:[^:]*: //; s/^[^:]*: //'))
  done
  echo $pkgs | tr ' ' '\n' | sort -u
}
[ -x /usr/sbin/tgtd ] || { log "tgt must be installed on the build machine (to resolve tgtd's libraries)"; exit 1; }
[ -x /usr/sbin/dropbear ] || { log "dropbear-bin must be installed on the build machine (to resolve dropbear's libraries)"; exit 1; }
[ -x /usr/bin/ipmitool ] || { log "ipmitool must be installed on the build machine (to resolve ipmitool's libraries)"; exit 1; }
LIBPKGS=$(lib_packages)
PKGS="$KPKG busybox-static tgt dropbear-bin ipmitool libc6 $LIBPKGS"
PKGS=$(echo $PKGS | tr ' ' '\n' | sort -u | tr '\n' ' ')

# One apt-cache call for every candidate version.
manifest() { apt-cache policy $PKGS | awk '/^[^ ].*:$/ { p = substr($0, 1, length($0) - 1) } /^ *Candidate:/ { print p "=" $2 }'; }
MANIFEST=$(manifest)
for p in $PKGS; do
  grep -q "^$p=[^(]" <<< "$MANIFEST" || again "no candidate version for $p"
done
MANIFEST="$MANIFEST"$'\n'

HASH=$( (
  cat "$HERE/init" "$HERE/inventory" "$HERE/rdinit" "$HERE/udhcpc.script" "$HERE/build.sh"
  echo "$MODULES"
  echo "$IPMI_MODULES"
  printf '%s' "$MANIFEST"
) | sha256sum | cut -d ' ' -f 1)

if [ "$FORCE" != --force ] && [ -f "$CACHE/inputs.sha256" ] && [ "$(cat "$CACHE/inputs.sha256")" = "$HASH" ] &&
  [ -s "$CACHE/kernel" ] && [ -s "$CACHE/initramfs.cpio.gz" ]; then
  log "up to date ($HASH)"
  echo "kernel: $CACHE/kernel"
  echo "initramfs: $CACHE/initramfs.cpio.gz"
  exit 0
fi

mkdir -p "$DEBS"
for line in $MANIFEST; do
  p=${line%%=*}
  v=${line#*=}
  if ! ls "$DEBS/${p}_"*.deb > /dev/null 2>&1 || [ "$(dpkg-deb -f "$(ls "$DEBS/${p}_"*.deb | head -n 1)" Version)" != "$v" ]; then
    rm -f "$DEBS/${p}_"*.deb
    log "downloading $p=$v"
    (cd "$DEBS" && apt-get download -q "$p=$v" 2>&1 | grep -v -e '^W: Download is performed unsandboxed' >&2) ||
      again "apt-get download $p=$v failed"
  fi
done

# ------------------------------------------------------------- staging ---

STAGE=$CACHE/stage
ROOT=$CACHE/root
rm -rf "$STAGE" "$ROOT"
mkdir -p "$STAGE" "$ROOT"
for p in $PKGS; do
  dpkg-deb -x "$(ls "$DEBS/${p}_"*.deb | head -n 1)" "$STAGE"
done

mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,run,tmp,etc/ironflow,ironflow,root}
chmod 1777 "$ROOT/tmp"

# busybox and its applets
install -m 0755 "$STAGE/bin/busybox" "$ROOT/bin/busybox"
for a in $("$ROOT/bin/busybox" --list-full); do
  [ -e "$ROOT/$a" ] || ln -s /bin/busybox "$ROOT/$a"
done

# tgtd, tgtadm and the libraries they load
install -m 0755 "$STAGE/usr/sbin/tgtd" "$STAGE/usr/sbin/tgtadm" "$ROOT/usr/sbin/"
copy_lib() {
  local so=$1 src
  [ -e "$ROOT/lib/$so" ] && return 0
  src=$(find "$STAGE/lib" "$STAGE/usr/lib" -name "$so" \( -type f -o -type l \) -print -quit 2> /dev/null)
  [ -n "$src" ] || { log "library $so not found in the staged packages"; exit 1; }
  cp -L "$src" "$ROOT/lib/$so"
  for n in $(readelf -d "$ROOT/lib/$so" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do copy_lib "$n"; done
}
# dropbear and dropbearkey (rescue mode)
install -m 0755 "$STAGE/usr/sbin/dropbear" "$ROOT/usr/sbin/"
install -m 0755 "$STAGE/usr/bin/dropbearkey" "$ROOT/usr/bin/"
# ipmitool (reads the BMC's LAN address through /dev/ipmi0)
install -m 0755 "$STAGE/usr/bin/ipmitool" "$ROOT/usr/bin/"
for b in usr/sbin/tgtd usr/sbin/tgtadm usr/sbin/dropbear usr/bin/dropbearkey usr/bin/ipmitool; do
  for n in $(readelf -d "$ROOT/$b" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do copy_lib "$n"; done
done
cp -L "$STAGE/lib64/ld-linux-x86-64.so.2" "$ROOT/lib64/ld-linux-x86-64.so.2"
ln -s ../lib "$ROOT/usr/lib"
mkdir -p "$ROOT/lib/x86_64-linux-gnu"

# kernel and modules (with their dependencies)
cp "$STAGE/boot/vmlinuz-$KVER" "$CACHE/kernel.new"
MODSRC=$STAGE/lib/modules/$KVER
MODDST=$ROOT/lib/modules/$KVER
mkdir -p "$MODDST"
added=" "
add_module() {
  local m=$1 f d
  case "$added" in *" $m "*) return 0 ;; esac
  f=$(find "$MODSRC/kernel" \( -name "$m.ko" -o -name "$(echo "$m" | tr _ -).ko" \) -print -quit)
  if [ -z "$f" ]; then
    grep -q -E "/$m\\.ko\$" "$MODSRC/modules.builtin" 2> /dev/null || log "module $m not found (built in?)"
    return 0
  fi
  added="$added$m "
  mkdir -p "$MODDST/$(dirname "${f#$MODSRC/}")"
  cp "$f" "$MODDST/${f#$MODSRC/}"
  for d in $(modinfo -F depends "$f" | tr ',' ' '); do add_module "$d"; done
}
for m in $MODULES $IPMI_MODULES; do add_module "$m"; done
cp "$MODSRC/modules.builtin" "$MODSRC/modules.order" "$MODDST/" 2> /dev/null || true
"$ROOT/bin/busybox" depmod -b "$ROOT" "$KVER"
echo "$MODULES" | tr ' ' '\n' > "$ROOT/etc/ironflow/modules"

# our scripts
install -m 0755 "$HERE/rdinit" "$ROOT/init"
install -m 0755 "$HERE/init" "$ROOT/ironflow/init"
install -m 0755 "$HERE/inventory" "$ROOT/ironflow/inventory"
install -m 0755 "$HERE/udhcpc.script" "$ROOT/etc/ironflow/udhcpc.script"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\n' > "$ROOT/etc/group"
printf 'root:*:0:0:99999:7:::\n' > "$ROOT/etc/shadow"
chmod 600 "$ROOT/etc/shadow"
printf '/bin/sh\n' > "$ROOT/etc/shells"
: > "$ROOT/etc/resolv.conf"
printf '%s' "$MANIFEST" > "$ROOT/etc/ironflow/packages"
if [ "$(id -u)" = 0 ]; then
  mknod -m 600 "$ROOT/dev/console" c 5 1
  mknod -m 666 "$ROOT/dev/null" c 1 3
fi

# pack
(cd "$ROOT" && find . -print | sort | "$ROOT/bin/busybox" cpio -o -H newc 2> /dev/null) | gzip -9 > "$CACHE/initramfs.cpio.gz.new"
mv "$CACHE/kernel.new" "$CACHE/kernel"
mv "$CACHE/initramfs.cpio.gz.new" "$CACHE/initramfs.cpio.gz"
printf '%s' "$MANIFEST" > "$CACHE/packages.txt"
echo "$HASH" > "$CACHE/inputs.sha256"
rm -rf "$STAGE"
log "built kernel $KVER and initramfs ($(du -h "$CACHE/initramfs.cpio.gz" | cut -f 1)) with modules:$added"
echo "kernel: $CACHE/kernel"
echo "initramfs: $CACHE/initramfs.cpio.gz"
