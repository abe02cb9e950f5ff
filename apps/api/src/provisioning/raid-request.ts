// The body of PUT /v1/nodes/{ident}/states/raid: a target RAID configuration in
// Ironic's schema ({} clears it). Only its shape is checked here; whether the node's
// raid interface can take one is the service's question.
import { BadRequestError } from '../common/errors';
import { requireObjectBody } from '../common/input';

const RAID_LEVELS = ['0', '1', '2', '5', '6', '1+0', '5+0', '6+0', 'JBOD'];
const DISK_KEYS: Record<string, (v: unknown) => boolean> = {
  size_gb: (v) => v === 'MAX' || (typeof v === 'number' && Number.isInteger(v) && v > 0),
  raid_level: (v) => typeof v === 'string' && RAID_LEVELS.includes(v),
  volume_name: (v) => typeof v === 'string',
  is_root_volume: (v) => typeof v === 'boolean',
  share_physical_disks: (v) => typeof v === 'boolean',
  disk_type: (v) => v === 'hdd' || v === 'ssd',
  interface_type: (v) => v === 'sata' || v === 'scsi' || v === 'sas',
  number_of_physical_disks: (v) => typeof v === 'number' && Number.isInteger(v) && v > 0,
  controller: (v) => typeof v === 'string',
  physical_disks: (v) => Array.isArray(v),
};

function invalid(reason: string): BadRequestError {
  return new BadRequestError(
    `Invalid target_raid_config: ${reason}. Send {"logical_disks": [{"size_gb": 100, "raid_level": "1"}, ...]}, or {} to clear it.`,
  );
}

export function parseTargetRaidConfig(body: unknown): Record<string, unknown> {
  const doc = requireObjectBody(body, 'target_raid_config');
  if (Object.keys(doc).length === 0) return {};
  const extra = Object.keys(doc).filter((k) => k !== 'logical_disks');
  if (extra.length) throw invalid(`unknown key(s) ${extra.join(', ')}`);
  const disks = doc.logical_disks;
  if (!Array.isArray(disks) || disks.length === 0) throw invalid("'logical_disks' must be a non-empty list");
  disks.forEach((d, i) => {
    if (d === null || typeof d !== 'object' || Array.isArray(d)) throw invalid(`logical_disks[${i}] is not an object`);
    const disk = d as Record<string, unknown>;
    for (const k of ['size_gb', 'raid_level']) if (disk[k] === undefined) throw invalid(`logical_disks[${i}] lacks '${k}'`);
    for (const [k, v] of Object.entries(disk)) {
      const ok = DISK_KEYS[k];
      if (!ok) throw invalid(`logical_disks[${i}] has unknown key '${k}' (known: ${Object.keys(DISK_KEYS).join(', ')})`);
      if (!ok(v)) {
        const hint = k === 'raid_level' ? ` (one of ${RAID_LEVELS.join(', ')})` : k === 'size_gb' ? ' (a positive integer or "MAX")' : '';
        throw invalid(`logical_disks[${i}].${k} = ${JSON.stringify(v)} is not valid${hint}`);
      }
    }
  });
  return { logical_disks: disks };
}
