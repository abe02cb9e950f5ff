// The long-poll behind a ramdisk's `poll` callback: the request is held until the
// deployment's command is no longer `wait` (the workflow set `done`, `export`, ...),
// the deployment is over, or the hold runs out. Nothing is kept here but waiters: the
// command lives in the database (the worker writes it), so a killed API loses no
// command: the ramdisk's retried poll reads it. One query per tick serves every
// held poll of this process, however many ramdisks wait.
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Store } from '../infra/store';

/** How often held polls look at the database. */
export const COMMAND_WATCH_TICK_MS = 50;
/** The longest a poll is held: well inside the ramdisk's 30 s HTTP timeout. */
export const MAX_HOLD_MS = 20_000;

interface Waiter {
  id: string;
  deadline: number;
  wake: () => void;
}

@Injectable()
export class CommandWatch implements OnModuleDestroy {
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly store: Store) {}

  /**
   * Resolves once deployment `id` has a command other than `wait`, is no longer active,
   * or `holdMs` (at most MAX_HOLD_MS) has passed. The caller reads the deployment again.
   */
  until(id: string, holdMs: number): Promise<void> {
    if (this.closed || holdMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const w: Waiter = { id, deadline: Date.now() + Math.min(holdMs, MAX_HOLD_MS), wake: resolve };
      this.waiters.add(w);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer || this.closed || this.waiters.size === 0) return;
    this.timer = setTimeout(() => void this.tick(), COMMAND_WATCH_TICK_MS);
  }

  private release(w: Waiter): void {
    this.waiters.delete(w);
    w.wake();
  }

  private async tick(): Promise<void> {
    try {
      const ids = [...new Set([...this.waiters].map((w) => w.id))];
      const rows = await this.store.db.deployment.findMany({
        where: { id: { in: ids } },
        select: { id: true, command: true, status: true },
      });
      const moved = new Set(rows.filter((r) => r.command !== 'wait' || r.status !== 'active').map((r) => r.id));
      for (const r of ids) if (!rows.some((x) => x.id === r)) moved.add(r); // gone: answer (with a 404/410)
      const now = Date.now();
      for (const w of [...this.waiters]) if (moved.has(w.id) || now >= w.deadline) this.release(w);
    } catch {
      // The database is unreachable: answer the held polls now (as `wait`); the ramdisk polls again.
      for (const w of [...this.waiters]) this.release(w);
    } finally {
      this.timer = undefined;
      this.schedule();
    }
  }

  onModuleDestroy(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of [...this.waiters]) this.release(w);
  }
}
