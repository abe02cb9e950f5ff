#!/bin/sh
# ipmi_sim chassis_control hook for one lab node. ipmi_sim runs it as
#   chassis.sh NODEDIR 0x20 get power|boot ...  -> prints power:0|1 / boot:<dev>
#   chassis.sh NODEDIR 0x20 set power 0|1 | boot <dev> | reset 1 ...
#   chassis.sh NODEDIR 0x20 check
# The node's state is files in NODEDIR: power (0|1), boot (pxe|default|none|
# cdrom|bios, as ipmi_sim names them; `chassis bootdev disk` arrives as
# `default`), server.pid (process group of the running simulated server) and
# ramdisk/tgtd.pid. ipmi_sim does not pass the "persistent" flag through, so
# the lab keeps a boot device until it is changed (both next-boot and
# persistent requests behave as persistent). `power cycle` is ipmi_sim's own
# off, wait 1 s, on; `power reset` arrives as `set reset 1` (off then on).
d=$1
op=$3
shift 3

power() { cat "$d/power" 2> /dev/null || echo 0; }

power_off() {
  if [ -s "$d/server.pid" ]; then
    # The server is a session leader: kill its whole process group (the
    # ramdisk, its wget/dd/sleep children and tgtd), as a power cut would.
    kill -9 -"$(cat "$d/server.pid")" 2> /dev/null
  fi
  if [ -s "$d/ramdisk/tgtd.pid" ]; then
    kill -9 "$(cat "$d/ramdisk/tgtd.pid")" 2> /dev/null
    # A killed tgtd leaves its management socket and lock behind.
    ch=$(sed -n "s/^LAB_TGT_CONTROL='\([0-9]*\)'$/\1/p" "$d/node.env")
    [ -n "$ch" ] && rm -f "/var/run/tgtd/socket.$ch" "/var/run/tgtd/socket.$ch.lock"
  fi
  rm -f "$d/server.pid" "$d/ramdisk/tgtd.pid"
  echo 0 > "$d/power"
}

power_on() {
  [ "$(power)" = 1 ] && return 0
  . "$d/node.env"
  echo 1 > "$d/power"
  # A new session (setsid), fully detached from ipmi_sim's pipes.
  setsid "$LAB_NODE_SERVER" "$d" >> "$d/console.log" 2>&1 < /dev/null &
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
        reset) if [ "$(power)" = 1 ]; then power_off; power_on; fi ;;
        boot) echo "$2" > "$d/boot" ;;
      esac
      shift 2
    done
    ;;
esac
exit 0
