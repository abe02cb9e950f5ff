#!/bin/sh
# The simulated server of one lab node: what its firmware and OS would do
# after power-on. chassis.sh starts it in its own session on `power on`:
#   node-server.sh NODEDIR
# boot device pxe: fetch the bootloader, pxelinux.cfg/01-<mac> (else
#   pxelinux.cfg/default), kernel and initrd over real TFTP; if the chosen
#   entry is the deploy kernel (its append line has ironflow.deployment=), run
#   ramdisk/init as a process with this node's disk and its own tgtd; a
#   `localboot` entry boots from disk.
# anything else: boot from disk: look at the disk and record what booted.
# DHCP and TFTP go to LAB_DHCP_LOG as dnsmasq (--log-dhcp) would log them, with the
#   node's simulated address LAB_IP: the evidence a site's dnsmasq log gives.
# Every boot is written to NODEDIR/boot.json (and appended to boots.jsonl):
#   {ts, source: "pxe"|"disk", kernel?, append?, initrd?, ramdisk?, error?,
#    bootable?, disk_sha256_first_mib?, marker?}
# Secrets in the append line are replaced by "***" in boot.json.
# When the ramdisk exits (its "poweroff") the node's power goes off.
d=$1
. "$d/node.env"
echo $$ > "$d/server.pid"
log() { echo "$(date -u +%H:%M:%S.%3N) lab-node $LAB_NAME: $*"; }

js() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\000-\037')"; }

# record_boot JSON_FIELDS (after ts)
record_boot() {
  line="{\"ts\":\"$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)\",$1}"
  printf '%s\n' "$line" > "$d/boot.json.tmp" && mv "$d/boot.json.tmp" "$d/boot.json"
  printf '%s\n' "$line" >> "$d/boots.jsonl"
  log "boot: $line"
}

# The node stays powered on with its "OS" running: nothing more to simulate.
os_running() {
  rm -f "$d/server.pid"
  exit 0
}

disk_boot() {
  via=$1
  first=$(head -c 1048576 "$LAB_DISK" | sha256sum | cut -d ' ' -f 1)
  sig=$(dd if="$LAB_DISK" bs=1 skip=510 count=2 2> /dev/null | od -An -tx1 | tr -d ' \n')
  # A demo image carries a line "ironflow-demo-os: <text>" in its first MiB.
  marker=$(head -c 1048576 "$LAB_DISK" | tr -c '[:print:]' '\n' | grep -m 1 '^ironflow-demo-os: ' | cut -c 19-)
  bootable=false
  [ "$sig" = 55aa ] || [ -n "$marker" ] && bootable=true
  fields="\"source\":\"disk\",\"via\":\"$via\",\"bootable\":$bootable,\"disk_sha256_first_mib\":\"$first\""
  [ -n "$marker" ] && fields="$fields,\"marker\":$(js "$marker")"
  record_boot "$fields"
  os_running
}

pxe_fail() {
  record_boot "\"source\":\"pxe\",\"error\":$(js "$1")"
  os_running
}

# dnsmasq_log FACILITY TEXT: one line in dnsmasq's log format.
dnsmasq_log() {
  [ -n "${LAB_DHCP_LOG:-}" ] || return 0
  printf '%s dnsmasq-%s[%s]: %s\n' "$(date '+%b %e %H:%M:%S')" "$1" "$$" "$2" >> "$LAB_DHCP_LOG"
}

# tftp_get REMOTE LOCAL: real TFTP from the lab's (or Ironflow's) tftpd.
tftp_get() {
  rm -f "$2"
  out=$(printf 'mode binary\ntimeout %s\nget %s %s\nquit\n' "${LAB_TFTP_TIMEOUT:-5}" "$1" "$2" |
    tftp "$LAB_TFTP_HOST" "$LAB_TFTP_PORT" 2>&1)
  case $out in *rror* | *imed\ out*)
    rm -f "$2"
    dnsmasq_log tftp "file ${LAB_TFTP_ROOT:-}/$1 not found for $LAB_IP"
    return 1
    ;;
  esac
  [ -s "$2" ] && dnsmasq_log tftp "sent ${LAB_TFTP_ROOT:-}/$1 to $LAB_IP"
}

redact() {
  printf '%s' "$1" | sed -e 's/\(ironflow\.secret=\)[^ ]*/\1***/g' -e 's/\(ironflow\.chap_secret=\)[^ ]*/\1***/g'
}

pxe_boot() {
  w=$d/pxe
  rm -rf "$w"
  mkdir -p "$w"
  mac=$(echo "$LAB_MAC" | tr 'A-F' 'a-f')
  dnsmasq_log dhcp "1 DHCPDISCOVER(lab) $mac "
  dnsmasq_log dhcp "1 DHCPREQUEST(lab) $LAB_IP $mac "
  dnsmasq_log dhcp "1 DHCPACK(lab) $LAB_IP $mac "
  tftp_get "$LAB_BOOTFILE" "$w/bootloader" || pxe_fail "PXE: cannot fetch $LAB_BOOTFILE over TFTP"
  macfile=01-$(echo "$LAB_MAC" | tr ':A-F' '-a-f')
  cfg=pxelinux.cfg/$macfile
  tftp_get "$cfg" "$w/config" || { cfg=pxelinux.cfg/default; tftp_get "$cfg" "$w/config"; } ||
    pxe_fail "PXE: neither pxelinux.cfg/$macfile nor pxelinux.cfg/default"
  log "PXE config $cfg"
  # The entry booted: `default` names a label, else the first label.
  awk -v dir="$w" '
    { line = $0; sub(/^[ \t]+/, "", line); sub(/[ \t\r]+$/, "", line) }
    line == "" || line ~ /^#/ { next }
    {
      kw = tolower(line); sub(/[ \t].*/, "", kw)
      rest = line; if (rest ~ /[ \t]/) sub(/^[^ \t]+[ \t]+/, "", rest); else rest = ""
      if (kw == "default") def = rest
      else if (kw == "label") { cur = rest; if (first == "") first = rest; labels[cur] = 1 }
      else if (kw == "kernel" || kw == "linux") kernel[cur] = rest
      else if (kw == "append") append[cur] = rest
      else if (kw == "initrd") initrd[cur] = rest
      else if (kw == "localboot") localboot[cur] = (rest == "" ? "0" : rest)
    }
    END {
      sel = (def in labels) ? def : first
      if (!(sel in kernel) && !(sel in localboot)) sel = ""
      printf "%s", sel > (dir "/label")
      printf "%s", kernel[sel] > (dir "/kernel")
      printf "%s", append[sel] > (dir "/append")
      printf "%s", initrd[sel] > (dir "/initrd")
      if (sel in localboot) printf "%s", localboot[sel] > (dir "/localboot")
    }' "$w/config"
  [ -e "$w/localboot" ] && disk_boot pxe-localboot
  kernel=$(cat "$w/kernel")
  append=$(cat "$w/append")
  initrd=$(cat "$w/initrd")
  [ -n "$initrd" ] || initrd=$(printf '%s' "$append" | tr ' ' '\n' | sed -n 's/^initrd=//p' | head -n 1)
  [ -n "$kernel" ] || pxe_fail "PXE: no kernel in $cfg"
  tftp_get "$kernel" "$w/kernel.bin" || pxe_fail "PXE: cannot fetch kernel $kernel"
  if [ -n "$initrd" ]; then
    tftp_get "$initrd" "$w/initrd.bin" || pxe_fail "PXE: cannot fetch initrd $initrd"
  fi
  fields="\"source\":\"pxe\",\"config\":$(js "$cfg"),\"kernel\":$(js "$kernel"),\"initrd\":$(js "$initrd"),\"append\":$(js "$(redact "$append")")"
  case " $append " in
    *" ironflow.deployment="*) ;;
    *)
      record_boot "$fields,\"ramdisk\":false"
      os_running
      ;;
  esac
  record_boot "$fields,\"ramdisk\":true"
  # pxelinux's `ipappend 2` adds BOOTIF=01-<mac>: the NIC the node booted from.
  grep -Eqi '^[[:space:]]*ipappend[[:space:]]+2' "$w/config" && append="$append BOOTIF=01-$(echo "$LAB_MAC" | tr ':A-F' '-a-f')"
  printf 'BOOT_IMAGE=%s %s\n' "$kernel" "$append" > "$d/cmdline"
  chmod 600 "$d/cmdline"
  rm -rf "$d/ramdisk"
  mkdir -p "$d/ramdisk"
  log "starting the deploy ramdisk"
  IRONFLOW_CMDLINE_FILE=$d/cmdline \
    IRONFLOW_STATE_DIR=$d/ramdisk \
    IRONFLOW_DISK="$LAB_DISK${LAB_EXTRA_DISKS:+ $LAB_EXTRA_DISKS}" \
    IRONFLOW_DISK_MODEL="lab-disk $LAB_NAME" \
    IRONFLOW_TGTD=$(command -v tgtd) \
    IRONFLOW_TGTADM=$(command -v tgtadm) \
    IRONFLOW_TGT_CONTROL=$LAB_TGT_CONTROL \
    IRONFLOW_ISCSI_LISTEN=127.0.0.1 \
    IRONFLOW_ISCSI_ADDRESS=127.0.0.1 \
    IRONFLOW_ISCSI_PORT=$LAB_ISCSI_PORT \
    IRONFLOW_ON_DONE=exit \
    busybox sh "$LAB_INIT"
  rc=$?
  echo "$rc" > "$d/ramdisk.exit"
  log "ramdisk exited with $rc: powering off"
  rm -f "$d/server.pid"
  echo 0 > "$d/power"
  exit 0
}

case $(cat "$d/boot" 2> /dev/null) in
  pxe) pxe_boot ;;
  *) disk_boot "boot-device-$(cat "$d/boot" 2> /dev/null || echo default)" ;;
esac
