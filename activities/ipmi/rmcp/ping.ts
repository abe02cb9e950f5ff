// RMCP/ASF presence ping: does something answer on the IPMI port, and does it
// claim IPMI support? Needs no credentials and no session.
import { randomInt } from 'node:crypto';
import { decodeAsfPong, encodeAsfPing } from './framing';
import { IpmiTimeoutError } from './errors';
import type { Link } from './transport';
import { nowMs } from './clock';

export interface PingResult {
  ipmiSupported: boolean;
  /** Bit 7: RMCP security extensions (RMCP+) supported. */
  interactions: number;
  rttMs: number;
}

export async function ping(link: Link, timeoutMs: number): Promise<PingResult> {
  const tag = randomInt(0, 255);
  const started = nowMs();
  const pong = await link.roundTrip(
    encodeAsfPing(tag),
    (msg) => {
      const p = decodeAsfPong(msg);
      return p && p.tag === tag ? p : undefined;
    },
    timeoutMs,
  );
  const rttMs = nowMs() - started;
  if (!pong) throw new IpmiTimeoutError(`no answer to RMCP presence ping in ${rttMs} ms`, 1, rttMs);
  return { ipmiSupported: pong.ipmiSupported, interactions: pong.interactions, rttMs };
}
