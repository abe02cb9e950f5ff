import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checksumFromIronic, parseChecksum, parseImageSource, redactUrl } from './image-source';
import { InvalidChecksumError, InvalidImageSourceError } from './errors';
import { parseCidrList } from '#workflows/domain/image-networks';

describe('parseImageSource', () => {
  let base: string;
  let images: string;
  before(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-src-')));
    images = path.join(base, 'images');
    fs.mkdirSync(path.join(images, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(images, 'sub', 'disk.img'), 'x');
    fs.writeFileSync(path.join(base, 'secret.txt'), 'y');
    fs.symlinkSync(path.join(base, 'secret.txt'), path.join(images, 'escape.img'));
    fs.symlinkSync(path.join(images, 'sub', 'disk.img'), path.join(images, 'inside-link.img'));
  });
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  test('accepts http and https URLs', async () => {
    assert.deepEqual(await parseImageSource('http://example.org/a.qcow2'), { kind: 'http', url: 'http://example.org/a.qcow2' });
    assert.equal((await parseImageSource('https://example.org/x/y.img?sig=1')).kind, 'http');
  });

  test('refuses other schemes, non-URLs and whitespace with a message saying what to use', async () => {
    await assert.rejects(parseImageSource('ftp://example.org/a'), /scheme ftp: is not supported: use http/);
    await assert.rejects(parseImageSource('/var/images/a.img'), InvalidImageSourceError);
    await assert.rejects(parseImageSource('http://example.org/a b'), /whitespace/);
    await assert.rejects(parseImageSource(''), /empty/);
  });

  test('file:// resolves inside the image directory, following symlinks that stay inside', async () => {
    const s = await parseImageSource(`file://${images}/sub/disk.img`, { imageDir: images });
    assert.deepEqual(s, { kind: 'file', url: `file://${images}/sub/disk.img`, path: path.join(images, 'sub', 'disk.img') });
    const l = await parseImageSource(`file://${images}/inside-link.img`, { imageDir: images });
    assert.equal(l.kind === 'file' && l.path, path.join(images, 'sub', 'disk.img'));
  });

  test('file:// refuses escapes by .., by symlink, other hosts, directories, and when no image dir is configured', async () => {
    await assert.rejects(parseImageSource(`file://${images}/../secret.txt`, { imageDir: images }), /outside the image directory/);
    await assert.rejects(
      parseImageSource(`file://${images}/sub/..%2F..%2Fsecret.txt`, { imageDir: images }),
      /outside the image directory/,
    );
    await assert.rejects(parseImageSource(`file://${images}/escape.img`, { imageDir: images }), /outside the image directory/);
    await assert.rejects(parseImageSource(`file://otherhost${images}/sub/disk.img`, { imageDir: images }), /only local files/);
    await assert.rejects(parseImageSource(`file://${images}/sub`, { imageDir: images }), /not a regular file/);
    await assert.rejects(parseImageSource(`file://${images}/missing.img`, { imageDir: images }), /does not exist/);
    await assert.rejects(parseImageSource(`file://${images}/sub/disk.img`), /file:\/\/ image sources are disabled/);
  });

  test('a literal address outside the allowed networks is refused at parse time (a cached copy is no excuse)', async () => {
    const allowedNetworks = parseCidrList('127.0.0.0/8');
    await assert.rejects(
      parseImageSource('http://169.254.169.254/latest/meta-data/', { allowedNetworks }),
      /169\.254\.169\.254 is a link-local address.*IRONFLOW_IMAGE_ALLOWED_NETWORKS=169\.254\.169\.254\/32/,
    );
    await assert.rejects(parseImageSource('http://[::ffff:a9fe:a9fe]/x', { allowedNetworks }), /IPv4-mapped/);
    await assert.rejects(parseImageSource('http://0x0a000001/x', { allowedNetworks }), /10\.0\.0\.1 is a private/);
    assert.equal((await parseImageSource('http://127.0.0.1:1/x', { allowedNetworks })).kind, 'http');
    assert.equal(
      (await parseImageSource('http://images.example.org/x', { allowedNetworks: [] })).kind,
      'http',
      'names are checked when resolved',
    );
  });

  test('redactUrl hides credentials', () => {
    assert.equal(redactUrl('https://user:pw@example.org/a'), 'https://***@example.org/a');
  });
});

describe('checksums', () => {
  const md5 = 'D41D8CD98F00B204E9800998ECF8427E';
  const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  test('parses algo:hex and bare md5, normalising case', () => {
    assert.deepEqual(parseChecksum(`md5:${md5}`), { algo: 'md5', hex: md5.toLowerCase() });
    assert.deepEqual(parseChecksum(md5), { algo: 'md5', hex: md5.toLowerCase() });
    assert.deepEqual(parseChecksum(`SHA256:${sha256}`), { algo: 'sha256', hex: sha256 });
    assert.equal(parseChecksum(`sha512:${'a'.repeat(128)}`).algo, 'sha512');
  });
  test('rejects unknown algorithms, wrong lengths and junk, saying what is expected', () => {
    assert.throws(() => parseChecksum(`sha1:${'a'.repeat(40)}`), /sha1.*not supported: use md5, sha256 or sha512/);
    assert.throws(() => parseChecksum(`sha256:${'a'.repeat(63)}`), /64 hex digits/);
    assert.throws(() => parseChecksum('sha256:zz'), InvalidChecksumError);
    assert.throws(() => parseChecksum('abc'), /bare 32-digit md5/);
    assert.throws(() => parseChecksum(''), /empty/);
  });
  test("Ironic's fields: os_hash pair wins over image_checksum; half a pair is an error", () => {
    assert.deepEqual(checksumFromIronic({ image_checksum: md5, image_os_hash_algo: 'sha256', image_os_hash_value: sha256 }), {
      algo: 'sha256',
      hex: sha256,
    });
    assert.deepEqual(checksumFromIronic({ image_checksum: md5 }), { algo: 'md5', hex: md5.toLowerCase() });
    assert.deepEqual(checksumFromIronic({ image_checksum: `sha256:${sha256}` }), { algo: 'sha256', hex: sha256 });
    assert.throws(() => checksumFromIronic({ image_os_hash_algo: 'sha256' }), /image_os_hash_value is missing/);
    assert.throws(() => checksumFromIronic({}), /no checksum given/);
  });
});
