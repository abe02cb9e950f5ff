// Which keys hold secrets, following the rule OpenStack uses to sanitise output:
// a key whose lower-cased name contains one of these words is secret.

const SECRET_WORDS = [
  'password',
  'secret',
  'token',
  'passphrase',
  'private_key',
  'encrypted_key',
  'auth_token',
  'admin_pass',
  'adminpass',
  'new_pass',
  'auth_password',
  'secret_uuid',
  'sys_pswd',
  'configdrive',
  'chappassword',
  'fernetkey',
  'sslkey',
  'image_url',
];

export const MASK = '******';

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase();
  return SECRET_WORDS.some((w) => k.includes(w));
}

/** A deep copy with every secret value replaced by ******. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = isSecretKey(k) && v !== null && v !== undefined && v !== '' ? MASK : maskSecrets(v);
    }
    return out;
  }
  return value;
}
