// The periodic power sync: one long-running workflow (id ironflow-power-sync) that
// reads every syncable node's BMC each interval, in concurrent batches, and
// continues as new every few passes to keep its history short. A site that fits in one batch
// costs one activity per pass (list + read + write); a bigger one lists, then reads its
// batches side by side, one activity each.
import { condition, continueAsNew, defineQuery, defineSignal, patched, proxyActivities, setHandler, uuid4 } from '@temporalio/workflow';
import type { Activities } from '#activities';
import type { SyncResult } from '#activities/power/power-sync';
import { presets } from './activity-options';
import type { PowerSyncSettings } from './contracts/power';

// All run on the workflow's own task queue: the site worker that started this sync.
const { listPowerSyncNodes } = proxyActivities<Activities>(presets.db);
const { syncPowerBatch, syncPowerPass } = proxyActivities<Activities>(presets.powerSync);

/** patched() id: a pass lists and reads its first batch in one activity (runs from before list in their own first). */
export const ONE_ACTIVITY_PASS_PATCH = 'power-sync-one-activity-pass';

export const configurePowerSync = defineSignal<[PowerSyncSettings]>('configurePowerSync');
export const runPowerSyncNow = defineSignal('runPowerSyncNow');
export interface PassSummary extends SyncResult {
  passId: string;
  nodes: number;
  startedAt: number;
  durationMs: number;
}
export const lastPowerSyncPass = defineQuery<PassSummary | null>('lastPowerSyncPass');

const PASSES_PER_RUN = 100;

export async function syncPowerStates(initial: PowerSyncSettings, previous: PassSummary | null = null): Promise<void> {
  let settings = initial;
  let last = previous;
  let wake = false;
  setHandler(configurePowerSync, (s) => {
    settings = s;
  });
  setHandler(runPowerSyncNow, () => {
    wake = true;
  });
  setHandler(lastPowerSyncPass, () => last);
  for (let pass = 0; pass < PASSES_PER_RUN; pass++) {
    const startedAt = Date.now();
    const passId = `sync-${uuid4()}`;
    const settingsOfBatch = { failureLimit: settings.failureLimit, force: settings.force, jitterMs: settings.jitterMs };
    const conductorGroup = settings.conductorGroup ?? '';
    let nodeCount: number;
    let results: SyncResult[] = [];
    let rest: string[];
    // A site that fitted one batch last time: list and read in one activity. A bigger one: list
    // first, then all batches side by side (reading the first before listing the rest would delay them).
    if ((last === null || last.nodes <= settings.batchSize) && patched(ONE_ACTIVITY_PASS_PATCH)) {
      const pass = await syncPowerPass({ conductorGroup, batchSize: settings.batchSize, passId, settings: settingsOfBatch });
      nodeCount = pass.nodes;
      results.push(pass.result);
      rest = pass.rest;
    } else {
      rest = await listPowerSyncNodes(conductorGroup);
      nodeCount = rest.length;
    }
    const batches: string[][] = [];
    for (let i = 0; i < rest.length; i += settings.batchSize) batches.push(rest.slice(i, i + settings.batchSize));
    results = results.concat(
      await Promise.all(batches.map((nodeUuids) => syncPowerBatch({ nodeUuids, passId, settings: settingsOfBatch }))),
    );
    const total: SyncResult = { read: 0, changed: 0, forced: 0, failed: 0, skipped: 0, maintenanceSet: 0, recovered: 0 };
    for (const r of results) for (const k of Object.keys(total) as (keyof SyncResult)[]) total[k] += r[k];
    last = { ...total, passId, nodes: nodeCount, startedAt, durationMs: Date.now() - startedAt };
    wake = false;
    await condition(() => wake, settings.intervalSec * 1000);
  }
  await continueAsNew<typeof syncPowerStates>(settings, last);
}
