// The database and the keys that seal secrets, as one injectable.
import type { Database } from '#prisma/database';
import { openSecrets, sealSecrets, type SealKeys } from '#prisma/sealed-json';

export class Store {
  constructor(
    readonly db: Database,
    readonly keys: SealKeys,
  ) {}

  seal<T>(doc: T): T {
    return sealSecrets(doc, this.keys);
  }

  open<T>(doc: T): T {
    return openSecrets(doc, this.keys);
  }
}
