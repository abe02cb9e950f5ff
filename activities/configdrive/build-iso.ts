// Builds a config drive ISO from a configdrive document: the files (layout.ts) go into a private temp dir
// (mode 0700, files 0600: user_data may hold secrets, so it never reaches argv), xorriso packs the dir
// through the one command runner, and the dir is removed whatever happens. The ISO is reproducible: every
// file and directory date is set to `sourceDateEpoch` (and xorriso honours SOURCE_DATE_EPOCH), so the same
// document always gives the same bytes and a retried step writes what the first attempt wrote.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkConfigDriveIso, CONFIG_DRIVE_LABEL, type ConfigDriveDocument } from '#workflows/domain/config-drive';
import { runCommand } from '../shared/command-runner';
import { configDriveFiles, type ConfigDriveNode } from './layout';

export interface BuildIsoOptions {
  /** Dates inside the ISO, in seconds since 1970 (default 2000-01-01T00:00:00Z). */
  sourceDateEpoch?: number;
  /** Parent of the private temp dir (default the system's). */
  tmpDir?: string;
  signal?: AbortSignal;
}

export const DEFAULT_SOURCE_DATE_EPOCH = 946684800;

/** The xorriso argv (genisoimage-compatible flags, as openstacksdk's pack uses). */
export function xorrisoArgs(out: string, root: string): string[] {
  return [
    '-as',
    'mkisofs',
    '-o',
    out,
    '-V',
    CONFIG_DRIVE_LABEL,
    '-J',
    '-r',
    '-l',
    '-allow-lowercase',
    '-allow-multidot',
    '-ldots',
    '-publisher',
    'ironflow',
    '-quiet',
    root,
  ];
}

export async function buildConfigDriveIso(
  doc: ConfigDriveDocument,
  node: ConfigDriveNode,
  opts: BuildIsoOptions = {},
): Promise<Uint8Array> {
  const epoch = opts.sourceDateEpoch ?? DEFAULT_SOURCE_DATE_EPOCH;
  const dir = await fs.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'ironflow-configdrive-'));
  try {
    await fs.chmod(dir, 0o700);
    const root = path.join(dir, 'root');
    const dirs = new Set<string>([root]);
    for (const f of configDriveFiles(doc, node)) {
      const file = path.join(root, ...f.path.split('/'));
      for (let d = path.dirname(file); d.startsWith(root); d = path.dirname(d)) dirs.add(d);
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await fs.writeFile(file, f.content, { mode: 0o600 });
      await fs.utimes(file, epoch, epoch);
    }
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) await fs.utimes(d, epoch, epoch);
    const out = path.join(dir, 'config-drive.iso');
    await runCommand({
      file: 'xorriso',
      args: xorrisoArgs(out, root),
      env: { SOURCE_DATE_EPOCH: String(epoch) },
      timeoutMs: 120_000,
      signal: opts.signal,
    });
    const iso = new Uint8Array(await fs.readFile(out));
    checkConfigDriveIso(iso, 'the config drive built from the configdrive document');
    return iso;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
