import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import {
  checkConfigDriveIso,
  CONFIG_DRIVE_MAX_BYTES,
  ConfigDriveError,
  configDriveProblem,
  decodeBase64,
  decodeConfigDriveImage,
  isoVolumeId,
  parseConfigDriveRequest,
  type Gunzip,
} from './config-drive';

const gunzip: Gunzip = (b, max) => new Uint8Array(zlib.gunzipSync(b, { maxOutputLength: max }));
const MiB = 1024 * 1024;

/** A minimal ISO 9660 image: system area, a primary volume descriptor with `label`, `blocks` blocks of 2048 bytes. */
function syntheticIso(label = 'config-2', blocks = 20, sendBlocks = blocks): Buffer {
  const b = Buffer.alloc(sendBlocks * 2048);
  const pvd = 16 * 2048;
  b[pvd] = 1;
  b.write('CD001', pvd + 1, 'ascii');
  b[pvd + 6] = 1;
  b.write(label.padEnd(32, ' '), pvd + 40, 'ascii');
  b.writeUInt32LE(blocks, pvd + 80);
  b.writeUInt32BE(blocks, pvd + 84);
  b.writeUInt16LE(2048, pvd + 128);
  b.writeUInt16BE(2048, pvd + 130);
  b[pvd + 2048] = 255; // volume descriptor set terminator
  b.write('CD001', pvd + 2049, 'ascii');
  return b;
}

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigDriveError, `expected ConfigDriveError, got ${String(e)}`);
    assert.equal(e.retryable, false);
    assert.match(e.message, pattern);
    return true;
  });
}

test('decodeBase64 agrees with Node for every padding case and ignores line breaks', () => {
  for (let n = 0; n < 40; n++) {
    const data = crypto.randomBytes(n);
    const text = data.toString('base64');
    assert.deepEqual(Buffer.from(decodeBase64(text)), data, `length ${n}`);
    const wrapped = text.replace(/(.{8})/g, '$1\n');
    assert.deepEqual(Buffer.from(decodeBase64(wrapped)), data, `wrapped, length ${n}`);
  }
});

test('a gzip+base64 ISO decodes to the ISO; a plain base64 ISO is accepted too', () => {
  const iso = syntheticIso();
  const gz = zlib.gzipSync(iso).toString('base64');
  assert.deepEqual(parseConfigDriveRequest(gz), { kind: 'image', base64: gz });
  assert.deepEqual(Buffer.from(decodeConfigDriveImage(gz, gunzip)), iso);
  assert.deepEqual(Buffer.from(decodeConfigDriveImage(iso.toString('base64'), gunzip)), iso);
  assert.equal(isoVolumeId(iso), 'config-2');
  assert.equal(configDriveProblem(gz, gunzip), undefined);
  // Upper case is what cloud-init also looks for.
  assert.doesNotThrow(() => checkConfigDriveIso(syntheticIso('CONFIG-2')));
});

test('bad base64 is refused with the position and what to send', () => {
  rejects(() => parseConfigDriveRequest('abc$'), /not valid base64: character "\$" at position 3/);
  rejects(() => parseConfigDriveRequest('ab-_'), /URL-safe base64 is not accepted/);
  rejects(() => parseConfigDriveRequest('abcde'), /not a multiple of 4; it looks truncated/);
  rejects(() => parseConfigDriveRequest('ab==abcd'), /"=" padding may appear only at the very end/);
  rejects(() => parseConfigDriveRequest('  '), /empty string/);
  rejects(() => parseConfigDriveRequest('http://example.test/cd.iso.gz'), /looks like a URL/);
});

test('bytes that are not a config-2 ISO are refused, saying how to build one', () => {
  const gz = (b: Buffer) => zlib.gzipSync(b).toString('base64');
  rejects(
    () => decodeConfigDriveImage(gz(Buffer.alloc(40000)), gunzip),
    /gunzipped\) is not an ISO 9660 image \(no "CD001" primary volume descriptor at byte 32769\).*-V config-2/,
  );
  rejects(() => decodeConfigDriveImage(Buffer.from('hello').toString('base64'), gunzip), /it is not gzip data\) is not an ISO 9660 image/);
  rejects(
    () => decodeConfigDriveImage(gz(syntheticIso('cidata')), gunzip),
    /labelled "cidata": cloud-init looks for the volume id "config-2"/,
  );
  rejects(
    () => decodeConfigDriveImage(gz(syntheticIso('config-2', 40, 20)), gunzip),
    /truncated: its volume descriptor says 81920 bytes but only 40960 were sent/,
  );
  const corrupt = zlib.gzipSync(syntheticIso());
  corrupt[20] ^= 0xff;
  rejects(() => decodeConfigDriveImage(corrupt.toString('base64'), gunzip), /starts like gzip but does not inflate/);
  const cut = zlib.gzipSync(syntheticIso()).subarray(0, 30);
  rejects(() => decodeConfigDriveImage(cut.toString('base64'), gunzip), /does not inflate/);
});

test('the 64 MiB cap holds for gzip (the inflate is bounded) and for plain base64', () => {
  const big = Buffer.alloc(CONFIG_DRIVE_MAX_BYTES + MiB);
  syntheticIso().copy(big);
  const gz = zlib.gzipSync(big);
  rejects(() => decodeConfigDriveImage(gz.toString('base64'), gunzip), /inflates beyond 64 MiB: a config drive may be at most 64 MiB/);
  // The gzip trailer's size field is not trusted: the inflate itself is bounded.
  const lying = Buffer.from(gz);
  lying.writeUInt32LE(1000, lying.length - 4);
  rejects(() => decodeConfigDriveImage(lying.toString('base64'), gunzip), /inflates beyond 64 MiB/);
  // Exactly at the cap is fine.
  const atCap = zlib.gzipSync(big.subarray(0, CONFIG_DRIVE_MAX_BYTES));
  assert.equal(decodeConfigDriveImage(atCap.toString('base64'), gunzip).length, CONFIG_DRIVE_MAX_BYTES);
  // Plain base64 too large is refused from its length alone.
  rejects(
    () => parseConfigDriveRequest('AAAA'.repeat((CONFIG_DRIVE_MAX_BYTES + 2 * MiB) / 3)),
    /once base64-decoded: a config drive may be at most 64 MiB/,
  );
  rejects(() => checkConfigDriveIso(big), /is 65 MiB: a config drive may be at most 64 MiB/);
});

test("a document may hold only Ironic's four keys, each of its type", () => {
  const doc = {
    meta_data: { public_keys: { k: 'ssh-ed25519 AAAA' } },
    user_data: '#!/bin/sh\n',
    network_data: { links: [] },
    vendor_data: {},
  };
  assert.deepEqual(parseConfigDriveRequest(doc), { kind: 'document', document: doc });
  assert.deepEqual(parseConfigDriveRequest({}), { kind: 'document', document: {} });
  for (const user_data of [{ a: 1 }, [1, 2], null, '']) assert.equal(parseConfigDriveRequest({ user_data }).kind, 'document');
  rejects(
    () => parseConfigDriveRequest({ meta_data: {}, userdata: 'x', files: [] }),
    /unknown keys "userdata", "files": a configdrive object may hold only meta_data, user_data, network_data and vendor_data/,
  );
  rejects(() => parseConfigDriveRequest({ meta_data: [] }), /configdrive.meta_data is an array: it must be a JSON object/);
  rejects(() => parseConfigDriveRequest({ network_data: 'x' }), /configdrive.network_data is a string: it must be a JSON object/);
  rejects(() => parseConfigDriveRequest({ vendor_data: null }), /configdrive.vendor_data is null: it must be a JSON object/);
  rejects(() => parseConfigDriveRequest({ user_data: 5 }), /configdrive.user_data is a number: give a string/);
  rejects(() => parseConfigDriveRequest(null), /configdrive is null: send base64 of a gzipped ISO 9660 image/);
  rejects(() => parseConfigDriveRequest([]), /configdrive is an array/);
  rejects(() => parseConfigDriveRequest(7), /configdrive is a number/);
  rejects(
    () => parseConfigDriveRequest({ user_data: 'x'.repeat(CONFIG_DRIVE_MAX_BYTES) }),
    /of JSON: a config drive may hold at most 64 MiB/,
  );
  assert.match(configDriveProblem({ bogus: 1 }, gunzip) ?? '', /unknown key "bogus"/);
  assert.equal(configDriveProblem(doc, gunzip), undefined);
});
