// SHA-512 crypt ("$6$", Ulrich Drepper's SHA-crypt, as glibc's crypt(3) and `openssl passwd -6`):
// the form /etc/shadow holds, so the rescue ramdisk's login (dropbear through libc) checks a
// password it never sees. Default 5000 rounds, no `rounds=` field, 16 random salt characters.
import crypto from 'node:crypto';

const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function sha512(...parts: Buffer[]): Buffer {
  const h = crypto.createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** n bytes of `block` repeated (the spec's "for each block of 64 bytes, then the rest"). */
function repeatTo(block: Buffer, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += block.length) block.copy(out, i, 0, Math.min(block.length, n - i));
  return out;
}

/** The spec's byte order for the final digest, 4 base-64 characters per 3 bytes. */
const ORDER = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
];

function b64(b2: number, b1: number, b0: number, chars: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let s = '';
  for (let i = 0; i < chars; i++) {
    s += B64[w & 0x3f];
    w >>>= 6;
  }
  return s;
}

export function randomCryptSalt(): string {
  return [...crypto.randomBytes(16)].map((b) => B64[b & 0x3f]).join('');
}

/** `$6$<salt>$<86 characters>` for the password; the salt (at most 16 characters of ./0-9A-Za-z) is random unless given. */
export function sha512Crypt(password: string, salt = randomCryptSalt()): string {
  if (!/^[./0-9A-Za-z]{1,16}$/.test(salt)) throw new Error('SHA-512 crypt salt: 1 to 16 characters of ./0-9A-Za-z');
  const p = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt, 'ascii');
  const b = sha512(p, s, p);
  const aParts: Buffer[] = [p, s, repeatTo(b, p.length)];
  for (let n = p.length; n > 0; n >>= 1) aParts.push(n & 1 ? b : p);
  let a = sha512(...aParts);
  const dp = sha512(...Array<Buffer>(p.length).fill(p));
  const pBytes = repeatTo(dp, p.length);
  const ds = sha512(...Array<Buffer>(16 + a[0]).fill(s));
  const sBytes = repeatTo(ds, s.length);
  for (let r = 0; r < 5000; r++) {
    const parts: Buffer[] = [r & 1 ? pBytes : a];
    if (r % 3) parts.push(sBytes);
    if (r % 7) parts.push(pBytes);
    parts.push(r & 1 ? a : pBytes);
    a = sha512(...parts);
  }
  let out = '';
  for (const [i, j, k] of ORDER) out += b64(a[i], a[j], a[k], 4);
  out += b64(0, 0, a[63], 2);
  return `$6$${salt}$${out}`;
}
