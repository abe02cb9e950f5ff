// Conductors are the workers Temporal sees polling Ironflow's task queues, not rows of our own:
// DescribeTaskQueue on the central queue (conductor group "") and on each conductor group's site
// queue (<central>-<group>) lists the pollers; each poller identity (pid@host) is one conductor.
//
//   alive       it polled within ALIVE_MS (an idle worker's long poll restarts about once a minute;
//               Temporal forgets a poller five minutes after its last poll)
//   drivers     the hardware types every worker serves (all of them: one worker build)
//   updated_at  its last poll; created_at  when this API process first saw it (Temporal keeps no start time)
import { Injectable } from '@nestjs/common';
import { siteTaskQueue } from '#workflows/contracts/power';
import { HARDWARE_TYPES } from '#workflows/domain/drivers';
import { ApiSettings } from '../infra/settings';
import { Store } from '../infra/store';
import { Workflows } from '../infra/workflows';

const ALIVE_MS = 90_000;
const SNAPSHOT_MS = 1_000;

export interface Conductor {
  hostname: string;
  conductorGroup: string;
  alive: boolean;
  drivers: string[];
  createdAt: Date;
  updatedAt: Date;
}

@Injectable()
export class ConductorsService {
  private readonly firstSeen = new Map<string, Date>();
  private cached: { at: number; value: Promise<Conductor[]> } | undefined;

  constructor(
    private readonly workflows: Workflows,
    private readonly settings: ApiSettings,
    private readonly store: Store,
  ) {}

  /** Every conductor Temporal knows, sorted by hostname (one DescribeTaskQueue round per second at most). */
  all(): Promise<Conductor[]> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > SNAPSHOT_MS) {
      const value = this.read();
      this.cached = { at: now, value };
      value.catch(() => (this.cached = undefined));
    }
    return this.cached.value;
  }

  /** The node's conductor: a live worker serving its group (the one that polled last), or null. */
  async forGroup(conductorGroup: string): Promise<string | null> {
    const live = (await this.all()).filter((c) => c.alive && c.conductorGroup === conductorGroup);
    live.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
    return live[0]?.hostname ?? null;
  }

  /** The conductor groups `hostname` is the node conductor of (forGroup), for the nodes' ?conductor= filter. */
  async groupsOf(hostname: string): Promise<string[]> {
    const groups = [...new Set((await this.all()).filter((c) => c.hostname === hostname && c.alive).map((c) => c.conductorGroup))];
    const out: string[] = [];
    for (const g of groups) if ((await this.forGroup(g)) === hostname) out.push(g);
    return out;
  }

  private async read(): Promise<Conductor[]> {
    const groups = await this.store.db.node.findMany({ distinct: ['conductorGroup'], select: { conductorGroup: true } });
    const names = ['', ...new Set(groups.map((g) => g.conductorGroup).filter((g) => g !== ''))];
    const byHost = new Map<string, Conductor>();
    const drivers = HARDWARE_TYPES.map((h) => h.name);
    for (const group of names) {
      for (const p of await this.workflows.pollers(siteTaskQueue(this.settings.taskQueue, group))) {
        if (!p.identity) continue;
        const seen = byHost.get(p.identity);
        if (seen) {
          if (p.lastAccess > seen.updatedAt) seen.updatedAt = p.lastAccess;
          continue;
        }
        if (!this.firstSeen.has(p.identity)) this.firstSeen.set(p.identity, new Date());
        byHost.set(p.identity, {
          hostname: p.identity,
          conductorGroup: group,
          alive: false,
          drivers,
          createdAt: this.firstSeen.get(p.identity)!,
          updatedAt: p.lastAccess,
        });
      }
    }
    const now = Date.now();
    for (const c of byHost.values()) c.alive = now - c.updatedAt.getTime() <= ALIVE_MS;
    return [...byHost.values()].sort((a, b) => a.hostname.localeCompare(b.hostname));
  }
}
