// One SQLite connection, one holder at a time.
//
// Prisma's better-sqlite3 adapter has a single connection per process. It serializes interactive
// transactions with a mutex, but a plain query (any `db.x.y()` outside `$transaction`) does not take
// it and runs on the same connection, so it runs inside whatever transaction another request has
// open: it reads that transaction's uncommitted rows, and its writes commit or roll back with that
// transaction (an acknowledged write lost when another request's transaction fails). Here every plain
// query waits for the connection like a transaction does, and a transaction holds it until it
// commits or rolls back. Code inside a `$transaction` callback must use its `tx`, never the client
// (the client would wait for the transaction that waits for it).
import type { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';

type Adapter = Awaited<ReturnType<PrismaBetterSQLite3['connect']>>;
type Transaction = Awaited<ReturnType<Adapter['startTransaction']>>;

/** A FIFO lock: acquire() resolves to the function that releases it. */
export class ConnectionLock {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const before = this.tail;
    this.tail = before.then(() => held);
    return before.then(() => {
      let done = false;
      return () => {
        if (done) return;
        done = true;
        release();
      };
    });
  }
}

const PLAIN = new Set<PropertyKey>(['queryRaw', 'executeRaw', 'executeScript']);

function lockedTransaction(tx: Transaction, release: () => void): Transaction {
  return new Proxy(tx, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if ((prop === 'commit' || prop === 'rollback') && typeof value === 'function') {
        return async (...args: unknown[]) => {
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            release();
          }
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function lockedAdapter(adapter: Adapter, lock: ConnectionLock): Adapter {
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const fn = value as (...a: unknown[]) => Promise<unknown>;
      if (PLAIN.has(prop)) {
        return async (...args: unknown[]) => {
          const release = await lock.acquire();
          try {
            return await fn.apply(target, args);
          } finally {
            release();
          }
        };
      }
      if (prop === 'startTransaction') {
        return async (...args: unknown[]) => {
          const release = await lock.acquire();
          try {
            return lockedTransaction((await fn.apply(target, args)) as Transaction, release);
          } catch (e) {
            release();
            throw e;
          }
        };
      }
      return fn.bind(target);
    },
  });
}

/** The adapter factory whose connections let one holder at a time use the connection. */
export function withConnectionLock(factory: PrismaBetterSQLite3): PrismaBetterSQLite3 {
  return new Proxy(factory, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'connect' && typeof value === 'function') {
        return async () => lockedAdapter(await (value as () => Promise<Adapter>).apply(target), new ConnectionLock());
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
