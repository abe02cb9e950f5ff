// The ramdisk's `metadata_windows` (busybox sh, ramdisk/init) and the control plane's metadataWindows
// must zero the same bytes: the shell function is cut out of ramdisk/init and run for the sizes that
// matter (tiny, the merge edges, 2 TiB and past it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { runCommand } from '#activities/shared/command-runner';
import { metadataWindows } from '#workflows/domain/disk-metadata';

const MiB = 1024 * 1024;
const TiB = 1024 * 1024 * MiB;

test("ramdisk/init's metadata_windows gives the windows of workflows/domain/disk-metadata.ts", async () => {
  const init = fs.readFileSync(path.join(repoRoot(), 'ramdisk', 'init'), 'utf8');
  const fn = /^META_TAIL=[\s\S]*?^metadata_windows\(\) \{[\s\S]*?^\}$/m.exec(init);
  assert.ok(fn, 'metadata_windows is in ramdisk/init');
  const sizes = [
    4096,
    MiB - 512,
    MiB,
    64 * MiB,
    67 * MiB,
    68 * MiB,
    80 * MiB,
    1024 * MiB,
    2 * TiB,
    2 * TiB + 512,
    2 * TiB + 66 * MiB,
    8 * TiB + 4096,
  ];
  const script = `MIB=${MiB}\n${fn[0]}\nfor s in ${sizes.join(' ')}; do echo "size $s"; metadata_windows "$s"; done\n`;
  const out = await runCommand({ file: 'busybox', args: ['sh', '-c', script], timeoutMs: 10_000 });
  const got = new Map<number, Array<{ offset: number; size: number }>>();
  let cur = 0;
  for (const line of out.stdout.trim().split('\n')) {
    const [a, b] = line.split(' ');
    if (a === 'size') got.set((cur = Number(b)), []);
    else got.get(cur)!.push({ offset: Number(a), size: Number(b) });
  }
  for (const s of sizes) assert.deepEqual(got.get(s), metadataWindows(s), `disk of ${s} bytes`);
});
