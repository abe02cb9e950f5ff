// `npm run reseal`: the last step of a secret key rotation. Re-seals every sealed value
// in the database under IRONFLOW_SECRET_KEY (opening old ones with the keys in
// IRONFLOW_SECRET_KEYS_PREVIOUS); afterwards the previous keys can be dropped.
// Safe to run while Ironflow runs, and again: values already under the key stay as
// they are. Exit code 1 if any row could not be re-sealed (the message says which key
// is missing).
import { loadCommonConfig } from '#apps/shared/config';
import { openDatabase } from '#prisma/database';
import { resealAll } from '#prisma/reseal';
import { keyId } from '#prisma/sealed-json';

async function main(): Promise<number> {
  const cfg = loadCommonConfig();
  const db = openDatabase(cfg.databaseUrl);
  try {
    const r = await resealAll(db, cfg.keys);
    console.log(
      `reseal: under key ${keyId(cfg.keys.primary)}: ${r.nodes} node(s) and ${r.deployments} deployment(s) re-sealed, ${r.failures.length} failure(s)`,
    );
    for (const f of r.failures) console.error(`reseal: ${f}`);
    return r.failures.length ? 1 : 0;
  } finally {
    await db.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`reseal: ${(e as Error).message}`);
    process.exit(1);
  },
);
