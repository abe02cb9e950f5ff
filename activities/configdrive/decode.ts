// The worker's side of decoding a configdrive string: the domain's pure checks with Node's zlib.
import zlib from 'node:zlib';
import { decodeConfigDriveImage, type Gunzip } from '#workflows/domain/config-drive';

/** Node's gunzip, bounded: a stream that would inflate beyond maxOutputBytes throws instead. */
export const nodeGunzip: Gunzip = (bytes, maxOutputBytes) => new Uint8Array(zlib.gunzipSync(bytes, { maxOutputLength: maxOutputBytes }));

/** The ISO a configdrive string carries (base64, gzip'd or not); throws ConfigDriveError. */
export function decodeConfigDriveString(text: string): Uint8Array {
  return decodeConfigDriveImage(text, nodeGunzip);
}
