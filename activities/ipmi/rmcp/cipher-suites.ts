// The two RMCP+ cipher suites we speak (IPMI v2.0 table 22-20, plus suite 17
// from the 2014 errata): both authenticate, sign and encrypt every message.
export type CipherSuiteId = 3 | 17;
export type HashName = 'sha1' | 'sha256';

export interface CipherSuite {
  id: CipherSuiteId;
  /** Authentication algorithm number (Open Session payload): 1 RAKP-HMAC-SHA1, 3 RAKP-HMAC-SHA256. */
  authAlgorithm: number;
  /** Integrity algorithm number: 1 HMAC-SHA1-96, 4 HMAC-SHA256-128. */
  integrityAlgorithm: number;
  /** Confidentiality algorithm number: 1 AES-CBC-128. */
  confidentialityAlgorithm: number;
  hash: HashName;
  /** Length of the hash output (and of the K1/K2 constants). */
  hashLength: number;
  /** Truncated length of per-message AuthCodes and of the RAKP 4 ICV. */
  integrityLength: number;
}

export const CIPHER_SUITES: Readonly<Record<CipherSuiteId, CipherSuite>> = {
  3: {
    id: 3,
    authAlgorithm: 0x01,
    integrityAlgorithm: 0x01,
    confidentialityAlgorithm: 0x01,
    hash: 'sha1',
    hashLength: 20,
    integrityLength: 12,
  },
  17: {
    id: 17,
    authAlgorithm: 0x03,
    integrityAlgorithm: 0x04,
    confidentialityAlgorithm: 0x01,
    hash: 'sha256',
    hashLength: 32,
    integrityLength: 16,
  },
};
