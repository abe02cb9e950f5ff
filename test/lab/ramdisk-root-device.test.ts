// The ramdisk's root-device matching (busybox awk in ramdisk/init) and the control plane's reference
// (workflows/domain/root-device-hints.ts) must pick the same disk: the shell functions are cut out of
// ramdisk/init and run on the same disk facts for every case of the unit test, plus the message a
// deploy fails with when no disk matches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { runCommand } from '#activities/shared/command-runner';
import { encodeRootDeviceHints, matchRootDevice, parseRootDeviceHints, type DiskFacts } from '#workflows/domain/root-device-hints';

const GiB = 2 ** 30;
const DISKS: DiskFacts[] = [
  {
    name: '/dev/sda',
    size: 10 * GiB,
    model: 'QEMU HARDDISK ',
    vendor: 'ATA',
    serial: 'SER-A1',
    wwn: '0x5000c500a1',
    rotational: true,
    by_path: null,
  },
  {
    name: '/dev/sdb',
    size: 20 * GiB,
    model: 'Fast SSD',
    vendor: 'ATA',
    serial: 'SER-B2',
    wwn: null,
    rotational: false,
    by_path: '/dev/disk/by-path/pci-0000:00:05.0',
  },
  { name: '/dev/vda', size: 20 * GiB + 512, model: null, vendor: '0x1af4', serial: null, wwn: null, rotational: true, by_path: null },
];
const CASES: Record<string, unknown>[] = [
  { serial: 'SER-B2' },
  { serial: 's== ser-a1' },
  { serial: 's!= ser-a1' },
  { model: '<in> ssd' },
  { model: 'qemu harddisk' },
  { model: '<in> fast s' },
  { serial: '<or> nope <or> ser-b2' },
  { size: 20 },
  { size: '>= 15' },
  { size: '> 20' },
  { size: '< 20' },
  { size: '<= 10' },
  { size: '!= 10' },
  { size: '= 11' },
  { size: '<or> 5 <or> 10' },
  { rotational: false },
  { rotational: 'yes', size: '> 15' },
  { name: 'vda' },
  { name: '/dev/sdb' },
  { name: '<in> sd' },
  { wwn: '0x5000C500A1' },
  { by_path: '<in> pci-0000:00:05.0' },
  { vendor: 's> ata' },
  { vendor: 's< b' },
  { vendor: 's>= ata' },
  { vendor: 's<= 0x1af4' },
  { serial: 'ser-b2', size: 10 },
  { serial: 'missing' },
];

function shellFunction(init: string, name: string): string {
  const m = new RegExp(`^${name}\\(\\) \\{[\\s\\S]*?^\\}$`, 'm').exec(init);
  assert.ok(m, `${name} is in ramdisk/init`);
  return m[0];
}

test("ramdisk/init's match_root_device picks the disk workflows/domain/root-device-hints.ts picks", async () => {
  const init = fs.readFileSync(path.join(repoRoot(), 'ramdisk', 'init'), 'utf8');
  const facts = DISKS.map((d) =>
    [d.name, d.size, d.model, d.vendor, d.serial, d.wwn, d.rotational, d.by_path]
      .map((v) => (v === null || v === undefined ? '' : String(v)))
      .join('\t'),
  ).join('\n');
  const encoded = CASES.map((c) => {
    const r = parseRootDeviceHints(c);
    assert.ok('hints' in r);
    return { c, enc: encodeRootDeviceHints(r.hints), want: matchRootDevice(DISKS, r.hints)?.name ?? '' };
  });
  const script = [
    shellFunction(init, 'match_root_device'),
    `facts='${facts}'`,
    ...encoded.map((e) => `printf '%s\\n' "$facts" | match_root_device '${e.enc}'; echo "--"`),
  ].join('\n');
  const out = await runCommand({ file: 'busybox', args: ['sh', '-c', script], timeoutMs: 20_000 });
  const got = out.stdout.split('--\n').map((s) => s.trim());
  for (const [i, e] of encoded.entries()) assert.equal(got[i], e.want, `${JSON.stringify(e.c)} (${e.enc})`);
  // The cases are not all the same answer (a matcher that always says "none" or "first" fails).
  assert.ok(new Set(encoded.map((e) => e.want)).size >= 4);
});

test('no disk matching: the ramdisk fails naming the hints and the disks it found', async () => {
  const init = fs.readFileSync(path.join(repoRoot(), 'ramdisk', 'init'), 'utf8');
  const dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'rootdev-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'cmdline'),
      `ironflow.deployment=d1 ironflow.secret=s ironflow.callback=http://127.0.0.1:9/ ironflow.mode=iscsi ironflow.root_device=serial:seq:nope,size:ge:1\n`,
    );
    for (const [n, size, serial] of [
      ['a', GiB, 'SER-A'],
      ['b', 2 * GiB, 'SER-B'],
    ] as const) {
      fs.closeSync(fs.openSync(path.join(dir, n), 'w'));
      fs.truncateSync(path.join(dir, n), size);
      fs.writeFileSync(path.join(dir, `${n}.facts`), `serial=${serial}\nmodel=lab disk\n`);
    }
    // Everything before the iSCSI section: cmdline, JSON, callbacks and disks; `fail` stubbed to print.
    const head = init.slice(0, init.indexOf('# ---------------------------------------------------------------- iSCSI --'));
    const script = `${head}\nfail() { echo "FAIL: $1"; exit 0; }\nfind_disks\necho "DISKS=$DISKS"\n`;
    const out = await runCommand({
      file: 'busybox',
      args: ['sh', '-c', script],
      env: {
        IRONFLOW_CMDLINE_FILE: path.join(dir, 'cmdline'),
        IRONFLOW_STATE_DIR: path.join(dir, 's'),
        IRONFLOW_DISK: `${dir}/a ${dir}/b`,
      },
      timeoutMs: 20_000,
    });
    assert.equal(
      out.stdout.trim(),
      `FAIL: no disk matches the root device hints (serial s== nope, size >= 1); disks found: ${dir}/a (1.0 GiB, serial SER-A, model lab disk); ${dir}/b (2.0 GiB, serial SER-B, model lab disk)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('find_disks: hints choose one disk in every mode (erase too); without hints the largest, or every disk to erase', async () => {
  const init = fs.readFileSync(path.join(repoRoot(), 'ramdisk', 'init'), 'utf8');
  const dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'rootdev-'));
  try {
    for (const [n, size, serial] of [
      ['a', GiB, 'SER-A'],
      ['b', 2 * GiB, 'SER-B'],
    ] as const) {
      fs.closeSync(fs.openSync(path.join(dir, n), 'w'));
      fs.truncateSync(path.join(dir, n), size);
      fs.writeFileSync(path.join(dir, `${n}.facts`), `serial=${serial}\n`);
    }
    const head = init.slice(0, init.indexOf('# ---------------------------------------------------------------- iSCSI --'));
    const script = `${head}\nfail() { echo "FAIL: $1"; exit 0; }\nfind_disks\necho "DISKS=$DISKS"\n`;
    const run = async (mode: string, hints?: string) => {
      fs.writeFileSync(
        path.join(dir, 'cmdline'),
        `ironflow.deployment=d1 ironflow.secret=s ironflow.callback=http://127.0.0.1:9/ ironflow.mode=${mode}${hints ? ` ironflow.root_device=${hints}` : ''}\n`,
      );
      const out = await runCommand({
        file: 'busybox',
        args: ['sh', '-c', script],
        env: {
          IRONFLOW_CMDLINE_FILE: path.join(dir, 'cmdline'),
          IRONFLOW_STATE_DIR: path.join(dir, 's'),
          IRONFLOW_DISK: `${dir}/a ${dir}/b`,
        },
        timeoutMs: 20_000,
      });
      return out.stdout.trim().replace(`DISKS=`, '').split(`${dir}/`).join('');
    };
    assert.equal(await run('iscsi'), 'b', 'no hints: the largest');
    assert.equal(await run('erase'), 'a b', 'no hints, erase: every disk');
    assert.equal(await run('iscsi', 'serial:seq:ser-a'), 'a');
    assert.equal(await run('direct', 'size:lt:2'), 'a');
    assert.equal(await run('erase', 'serial:seq:ser-a'), 'a', 'erase with hints: the hinted disk only');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
