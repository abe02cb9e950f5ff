#!/bin/bash
# Builds the bootable demo OS: <repo>/.cache/demo-os/disk.raw, a small whole-disk image that boots
# under BIOS (SeaBIOS) and UEFI (OVMF) alike, from Debian packages only, without installing anything
# system-wide: `apt-get download`, `dpkg-deb -x` into a staging area, no chroot, no loop mounts.
#
#   demo-os/build.sh            build if the inputs changed, print the outputs
#   demo-os/build.sh --force    rebuild
#
# Inputs (their hash decides whether to rebuild): the files of demo-os/, ramdisk/udhcpc.script, the module
# list and the exact versions of the packages used: the kernel linux-image-amd64 points at (the deploy
# ramdisk's), busybox-static, dropbear-bin, jq and their libraries (closure of their Depends on lib*
# packages), syslinux, syslinux-common and syslinux-efi.
#
# One hybrid disk (64 MiB; the last 15 MiB unpartitioned, room the image does not need):
#   LBA 0       MBR: syslinux's mbr.bin (boots the active partition) + one primary, type 0x0c, active
#   4 KiB       a line "ironflow-demo-os: bootable demo OS, kernel <ver>, build <hash>" (the lab's disk boot reports it)
#   1 MiB       FAT32 "DEMO-OS", 48 MiB:
#                 /syslinux/ldlinux.sys, ldlinux.c32, syslinux.cfg    BIOS: mbr.bin → VBR → ldlinux
#                 /EFI/BOOT/BOOTX64.EFI (= syslinux.efi), ldlinux.e64, syslinux.cfg   UEFI: removable-media path
#                 /vmlinuz, /initrd.gz    the same config boots both: the kernel and the initramfs that IS the OS
#   49 MiB..64  unpartitioned
# The OS lives in RAM (initramfs): busybox, dropbear, jq, the drivers below. demo-os/init is PID 1's
# boot script (under busybox init); demo-os/first-boot reads the OpenStack config drive (LABEL config-2).
set -euo pipefail
# Words of apt-cache and readelf are parsed below: no translations. No `cmd | grep -q` under pipefail
# where cmd writes more (SIGPIPE fails the pipeline; see ramdisk/build.sh).
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CACHE=${IRONFLOW_DEMO_OS_CACHE:-$REPO/.cache/demo-os}
DEBS=$CACHE/debs
# The deploy ramdisk's downloads, reused (hard links) when a version matches.
RAMDISK_DEBS=${IRONFLOW_RAMDISK_CACHE:-$REPO/.cache/ramdisk}/debs
FORCE=${1:-}
ARGS=("$@")

# Drivers for QEMU/KVM guests and common servers (NICs, disks, CD-ROMs), ISO 9660 for the config drive,
# virtio-rng for entropy (host keys at first boot). Dependencies come from the modules' `depends`.
MODULES="e1000 e1000e igb virtio_pci virtio_net virtio_blk virtio_scsi virtio_rng ata_piix ahci sd_mod sr_mod nvme isofs af_packet"
DISK_MIB=64
PART_START_MIB=1
PART_MIB=48

log() { echo "demo-os/build.sh: $*" >&2; }

# ------------------------------------------------------------ packages ---

SUDO=()
[ "$(id -u)" = 0 ] || SUDO=(sudo)
update_lists() {
  log "reading the package lists (apt-get update)"
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 || { log "apt-get update failed"; exit 1; }
}
# again WHY: read the lists and run this script once more, or fail if that was done already.
again() {
  [ -z "${IRONFLOW_DEMO_OS_LISTS_READ:-}" ] || { log "$1"; exit 1; }
  log "$1: reading the package lists again"
  update_lists
  IRONFLOW_DEMO_OS_LISTS_READ=1 exec bash "$0" ${ARGS[@]+"${ARGS[@]}"}
}
eval "$(apt-config shell LISTS Dir::State::Lists/d)"
if [ -z "${IRONFLOW_DEMO_OS_LISTS_READ:-}" ] && ! ls "${LISTS:-/var/lib/apt/lists}"/*_Packages* > /dev/null 2>&1; then
  update_lists
  export IRONFLOW_DEMO_OS_LISTS_READ=1
fi

KPKG=$(apt-cache depends linux-image-amd64 2> /dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
[ -n "$KPKG" ] || again "cannot find the kernel package behind linux-image-amd64 in the package lists"
KVER=${KPKG#linux-image-}

# The library packages the userland needs: closure of Depends and Pre-Depends (every alternative) over lib* packages,
# from the package lists (so the build machine needs none of them installed).
lib_closure() {
  local todo=$* seen=" " next p d
  while [ -n "$todo" ]; do
    next=
    for p in $todo; do
      for d in $(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "$p" 2> /dev/null |
        sed -n 's/^  |\{0,1\}\(Pre\)\{0,1\}Depends: \([a-z0-9][a-z0-9.+-]*\)$/\2/p'); do
        case "$d" in lib* | zlib*) ;; *) continue ;; esac
        case "$seen" in *" $d "*) ;; *) seen="$seen$d " next="$next $d" ;; esac
      done
    done
    todo=$next
  done
  echo $seen
}
USERLAND="busybox-static dropbear-bin jq"
BOOT="syslinux syslinux-common syslinux-efi"
PKGS="$KPKG $USERLAND $BOOT libc6 $(lib_closure $USERLAND)"
PKGS=$(echo $PKGS | tr ' ' '\n' | sort -u | tr '\n' ' ')

manifest() { apt-cache policy $PKGS | awk '/^[^ ].*:$/ { p = substr($0, 1, length($0) - 1) } /^ *Candidate:/ { print p "=" $2 }'; }
MANIFEST=$(manifest)
for p in $PKGS; do
  grep -q "^$p=[^(]" <<< "$MANIFEST" || again "no candidate version for $p"
done
MANIFEST="$MANIFEST"$'\n'

HASH=$( (
  for f in "$HERE"/* "$REPO/ramdisk/udhcpc.script"; do
    echo "== ${f#$REPO/}"
    cat "$f"
  done
  echo "$MODULES $DISK_MIB $PART_START_MIB $PART_MIB"
  printf '%s' "$MANIFEST"
) | sha256sum | cut -d ' ' -f 1)

outputs() {
  echo "disk: $CACHE/disk.raw"
  echo "kernel: $CACHE/vmlinuz"
  echo "initramfs: $CACHE/initrd.gz"
}
if [ "$FORCE" != --force ] && [ -f "$CACHE/inputs.sha256" ] && [ "$(cat "$CACHE/inputs.sha256")" = "$HASH" ] &&
  [ -s "$CACHE/disk.raw" ]; then
  log "up to date ($HASH)"
  outputs
  exit 0
fi

mkdir -p "$DEBS"
deb_of() { ls "$1/${2}_"*.deb 2> /dev/null | head -n 1 || true; }
for line in $MANIFEST; do
  p=${line%%=*}
  v=${line#*=}
  f=$(deb_of "$DEBS" "$p")
  [ -n "$f" ] && [ "$(dpkg-deb -f "$f" Version)" = "$v" ] && continue
  rm -f "$DEBS/${p}_"*.deb
  f=$(deb_of "$RAMDISK_DEBS" "$p")
  if [ -n "$f" ] && [ "$(dpkg-deb -f "$f" Version)" = "$v" ] && { ln "$f" "$DEBS/" 2> /dev/null || cp "$f" "$DEBS/"; }; then
    continue
  fi
  log "downloading $p=$v"
  (cd "$DEBS" && apt-get download -q "$p=$v" 2>&1 | grep -v -e '^W: Download is performed unsandboxed' >&2) ||
    again "apt-get download $p=$v failed"
done

# ------------------------------------------------------------- staging ---

STAGE=$CACHE/stage
ROOT=$CACHE/root
WORK=$CACHE/work
rm -rf "$STAGE" "$ROOT" "$WORK"
mkdir -p "$STAGE" "$ROOT" "$WORK"
for p in $PKGS; do
  dpkg-deb -x "$(deb_of "$DEBS" "$p")" "$STAGE"
done

mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,run,tmp,mnt,var/log,etc/demo-os,etc/dropbear,root}
chmod 1777 "$ROOT/tmp"
chmod 0700 "$ROOT/root"

install -m 0755 "$STAGE/bin/busybox" "$ROOT/bin/busybox"
for a in $("$ROOT/bin/busybox" --list-full); do
  [ -e "$ROOT/$a" ] || ln -s /bin/busybox "$ROOT/$a"
done

# dropbear, dropbearkey, jq and the libraries they load (readelf closure over the staged packages)
install -m 0755 "$STAGE/usr/sbin/dropbear" "$ROOT/usr/sbin/dropbear"
install -m 0755 "$STAGE/usr/bin/dropbearkey" "$STAGE/usr/bin/jq" "$ROOT/usr/bin/"
copy_lib() {
  local so=$1 src
  [ -e "$ROOT/lib/$so" ] && return 0
  src=$(find "$STAGE/lib" "$STAGE/usr/lib" -name "$so" \( -type f -o -type l \) -print -quit 2> /dev/null)
  [ -n "$src" ] || { log "library $so not found in the staged packages"; exit 1; }
  cp -L "$src" "$ROOT/lib/$so"
  for n in $(readelf -d "$ROOT/lib/$so" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do copy_lib "$n"; done
}
for b in usr/sbin/dropbear usr/bin/dropbearkey usr/bin/jq; do
  for n in $(readelf -d "$ROOT/$b" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do copy_lib "$n"; done
done
cp -L "$STAGE/lib64/ld-linux-x86-64.so.2" "$ROOT/lib64/ld-linux-x86-64.so.2"
ln -s ../lib "$ROOT/usr/lib"

# kernel modules (with their dependencies)
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
for m in $MODULES; do add_module "$m"; done
cp "$MODSRC/modules.builtin" "$MODSRC/modules.order" "$MODDST/" 2> /dev/null || true
"$ROOT/bin/busybox" depmod -b "$ROOT" "$KVER"
echo "$MODULES" | tr ' ' '\n' > "$ROOT/etc/demo-os/modules"

# the OS's own files
ln -s /bin/busybox "$ROOT/init"
install -m 0644 "$HERE/inittab" "$ROOT/etc/inittab"
install -m 0755 "$HERE/init" "$ROOT/etc/demo-os/init"
install -m 0755 "$HERE/first-boot" "$ROOT/usr/sbin/first-boot"
install -m 0755 "$REPO/ramdisk/udhcpc.script" "$ROOT/etc/demo-os/udhcpc.script"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$ROOT/etc/passwd"
printf 'root:*:19000:0:99999:7:::\n' > "$ROOT/etc/shadow"
chmod 0600 "$ROOT/etc/shadow"
printf 'root:x:0:\n' > "$ROOT/etc/group"
printf '/bin/sh\n' > "$ROOT/etc/shells"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' > "$ROOT/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n' > "$ROOT/etc/hosts"
echo ironflow-demo > "$ROOT/etc/hostname"
: > "$ROOT/etc/resolv.conf"
printf '%s' "$MANIFEST" > "$ROOT/etc/demo-os/packages"
echo "$HASH" > "$ROOT/etc/demo-os/build"
if [ "$(id -u)" = 0 ]; then
  mknod -m 600 "$ROOT/dev/console" c 5 1
  mknod -m 666 "$ROOT/dev/null" c 1 3
fi
(cd "$ROOT" && find . -print | sort | "$ROOT/bin/busybox" cpio -o -H newc 2> /dev/null) | gzip -9 > "$WORK/initrd.gz"
cp "$STAGE/boot/vmlinuz-$KVER" "$WORK/vmlinuz"

# ---------------------------------------------------------------- disk ---

# The FAT file system, built as its own file (hidden sectors = its offset on the disk, which syslinux's
# boot sector adds), then copied into place. mtools reads and writes it: no mount.
export MTOOLS_SKIP_CHECK=1
FAT=$WORK/fat.img
truncate -s "${PART_MIB}M" "$FAT"
mkfs.vfat -F 32 -s 1 -h $((PART_START_MIB * 2048)) -n DEMO-OS -i 1f10f105 "$FAT" > /dev/null
mmd -i "$FAT" ::/syslinux ::/EFI ::/EFI/BOOT
mcopy -i "$FAT" "$HERE/syslinux.cfg" ::/syslinux/syslinux.cfg
mcopy -i "$FAT" "$HERE/syslinux.cfg" ::/EFI/BOOT/syslinux.cfg
mcopy -i "$FAT" "$STAGE/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$FAT" "$STAGE/usr/lib/syslinux/modules/efi64/ldlinux.e64" ::/EFI/BOOT/ldlinux.e64
mcopy -i "$FAT" "$WORK/vmlinuz" ::/vmlinuz
mcopy -i "$FAT" "$WORK/initrd.gz" ::/initrd.gz
# syslinux (mtools flavour) writes the VBR and ldlinux.sys + ldlinux.c32 (its own build's).
"$STAGE/usr/bin/syslinux" --install --directory /syslinux "$FAT"

DISK=$WORK/disk.raw
truncate -s "${DISK_MIB}M" "$DISK"
printf 'label: dos\nlabel-id: 0x1f10f105\nunit: sectors\n\nstart=%d, size=%d, type=c, bootable\n' \
  $((PART_START_MIB * 2048)) $((PART_MIB * 2048)) | sfdisk -q --no-reread --no-tell-kernel "$DISK"
dd if="$STAGE/usr/lib/syslinux/mbr/mbr.bin" of="$DISK" bs=440 count=1 conv=notrunc status=none
dd if="$FAT" of="$DISK" bs=1M seek=$PART_START_MIB conv=notrunc,sparse status=none
# The marker line the virtual lab's disk boot reports (test/lab/node-server.sh), in the gap before the partition.
printf '\nironflow-demo-os: bootable demo OS, kernel %s, build %.12s\n' "$KVER" "$HASH" |
  dd of="$DISK" bs=512 seek=8 conv=notrunc status=none

mv "$WORK/vmlinuz" "$CACHE/vmlinuz"
mv "$WORK/initrd.gz" "$CACHE/initrd.gz"
mv "$DISK" "$CACHE/disk.raw"
printf '%s' "$MANIFEST" > "$CACHE/packages.txt"
echo "$HASH" > "$CACHE/inputs.sha256"
rm -rf "$STAGE" "$WORK"
log "built the demo OS: kernel $KVER, initramfs $(du -h "$CACHE/initrd.gz" | cut -f 1), disk ${DISK_MIB} MiB; modules:$added"
outputs
