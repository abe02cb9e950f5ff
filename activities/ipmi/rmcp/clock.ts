// The protocol's clock for deadlines, idle times and round trips: monotonic milliseconds
// (performance.now()). The wall clock (Date.now()) steps when NTP or an operator sets it, as
// on a machine that has just booted: a step forward expired every call in flight, a step
// back stretched them (and kept idle sessions alive past the BMC's timeout).
export function nowMs(): number {
  return performance.now();
}
