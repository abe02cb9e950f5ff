#!/bin/sh
# ipmi_sim chassis_control hook for one VM of the VM lab (vm-lab.ts). ipmi_sim runs
#   vm-chassis.sh VMDIR 0x20 get power|boot ...  -> prints power:0|1 / boot:<dev>
#   vm-chassis.sh VMDIR 0x20 set power 0|1 | boot <dev> | reset 1 ...
#   vm-chassis.sh VMDIR 0x20 check
# Power is the QEMU process (VMDIR/qemu.pid) being alive: the guest powering
# itself off is "off". Power on starts QEMU (daemonized, its own session) with
# the boot order the boot device asks for: pxe → NIC first, anything else
# (`chassis bootdev disk` arrives as `default`) → disk first, NIC second, as a
# server's firmware would. QEMU creates the VM's tap in the host namespace (its
# serial socket stays on the host's 127.0.0.1); this hook then moves the tap
# into the lab's namespace onto the bridge. Power off kills QEMU (a power cut);
# the tap goes with it. ipmi_sim passes neither the persistent nor the EFI flag
# of a boot-device request to the hook: the boot device persists until changed,
# and the firmware (BIOS or UEFI) is the VM's, fixed at `lab up`.
d=$1
op=$3
shift 3
. "$d/vm.env"
[ "$op" = set ] && echo "$(date -u +%FT%TZ) set $*" >> "$d/bmc-requests.log"

pid() { cat "$d/qemu.pid" 2> /dev/null; }

running() {
  p=$(pid)
  [ -n "$p" ] || return 1
  [ -r "/proc/$p/cmdline" ] || return 1
  tr '\0' '\n' < "/proc/$p/cmdline" | head -n 1 | grep -q 'qemu-system' || return 1
  ! grep -q '^State:.*Z' "/proc/$p/status" 2> /dev/null
}

power() { if running; then echo 1; else echo 0; fi; }

power_off() {
  if running; then
    p=$(pid)
    kill -9 "$p" 2> /dev/null
    i=0
    while [ -d "/proc/$p" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
  fi
  rm -f "$d/qemu.pid"
}

power_on() {
  running && return 0
  rm -f "$d/qemu.pid"
  cd=
  case $(cat "$d/boot" 2> /dev/null) in
    pxe) nic=1 disk=2 ;;
    cdrom) cd=1 nic=3 disk=2 ;;
    *) disk=1 nic=2 ;;
  esac
  set -- -name "$VM_NAME" -machine "$VM_MACHINE" -accel "$VM_ACCEL" -m "$VM_MEMORY_MIB" -smp "${VM_CPUS:-1}" \
    -nodefaults -vga none -display none -monitor none \
    -chardev "socket,id=ser0,host=127.0.0.1,port=$VM_SERIAL_PORT,server=on,wait=off,logfile=$d/console.log,logappend=on" \
    -serial chardev:ser0 \
    -netdev "tap,id=n0,ifname=$VM_TAP,script=no,downscript=no" \
    -device "virtio-net-pci,netdev=n0,mac=$VM_MAC,bootindex=$nic" \
    -drive "file=$VM_DISK,format=$VM_DISK_FORMAT,if=none,id=d0" \
    -device "virtio-blk-pci,drive=d0,bootindex=$disk" \
    -pidfile "$d/qemu.pid" -daemonize
  # Virtual media (VM_VMEDIA=1, the lab's Redfish BMC): an ide-cd drive the BMC changes over QMP
  # (qmp.sock), holding vmedia-cd.iso when one is inserted; first in the boot order for `cdrom`.
  if [ "${VM_VMEDIA:-}" = 1 ]; then
    medium=
    [ -f "$d/vmedia-cd.iso" ] && medium="file=$d/vmedia-cd.iso,format=raw,"
    set -- "$@" -qmp "unix:$d/qmp.sock,server=on,wait=off" \
      -drive "${medium}if=none,id=cd0,media=cdrom,readonly=on" -device "ide-cd,drive=cd0,id=cd,bootindex=${cd:-4}"
  fi
  # Extra disks (VM_EXTRA_DISKS, space separated raw files): virtio-blk, serial extra<i>, never booted from.
  i=1
  for x in ${VM_EXTRA_DISKS:-}; do
    set -- "$@" -drive "file=$x,format=raw,if=none,id=d$i" -device "virtio-blk-pci,drive=d$i,serial=extra$i"
    i=$((i + 1))
  done
  # A system interface (KCS) to the VM's own ipmi_sim (VM_IPMI_PORT: its `serial 15 … codec VM` port),
  # so the guest's ipmitool reads that BMC as a server's would read its own.
  if [ -n "${VM_IPMI_PORT:-}" ]; then
    set -- "$@" -chardev "socket,id=ipmi0,host=127.0.0.1,port=$VM_IPMI_PORT,reconnect=10" \
      -device ipmi-bmc-extern,chardev=ipmi0,id=bmc0 -device isa-ipmi-kcs,bmc=bmc0
  fi
  if [ "$VM_FIRMWARE" = uefi ]; then
    set -- "$@" -drive "if=pflash,format=raw,readonly=on,file=$VM_OVMF_CODE" -drive "if=pflash,format=raw,file=$d/OVMF_VARS.fd"
  fi
  echo "$(date -u +%FT%TZ) power on, boot order: $([ -n "$cd" ] && echo 'cdrom, disk, network' || { [ $nic = 1 ] && echo 'network, disk' || echo 'disk, network'; })" >> "$d/power.log"
  setsid qemu-system-x86_64 "$@" >> "$d/qemu.log" 2>&1 < /dev/null || {
    echo "$(date -u +%FT%TZ) qemu failed to start (see qemu.log)" >> "$d/power.log"
    return 1
  }
  if ! { ip link set "$VM_TAP" netns "$VM_NETNS" && ip -n "$VM_NETNS" link set "$VM_TAP" master "$VM_BRIDGE" up; } >> "$d/power.log" 2>&1; then
    echo "$(date -u +%FT%TZ) could not move $VM_TAP into $VM_NETNS: powering off" >> "$d/power.log"
    power_off
    return 1
  fi
}

case $op in
  check) exit 0 ;;
  get)
    for p in "$@"; do
      case $p in
        power) echo "power:$(power)" ;;
        boot) echo "boot:$(cat "$d/boot" 2> /dev/null || echo default)" ;;
      esac
    done
    ;;
  set)
    while [ $# -ge 2 ]; do
      case $1 in
        power) if [ "$2" = 1 ]; then power_on; else power_off; fi ;;
        reset) if running; then power_off; power_on; fi ;;
        boot) echo "$2" > "$d/boot" ;;
      esac
      shift 2
    done
    ;;
esac
exit 0
