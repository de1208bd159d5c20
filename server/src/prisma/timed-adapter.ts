/**
 * Wraps the SQLite driver adapter so every write is timed: INSERT, UPDATE and DELETE statements
 * (committed at once, fsync included, outside a transaction) and COMMIT (a transaction's fsync).
 * Reads are not timed: they are in memory and never wait for the disk.
 */
interface Query {
  sql: string;
}
interface Queryable {
  queryRaw(query: Query): Promise<unknown>;
  executeRaw(query: Query): Promise<number>;
}
interface Adapter extends Queryable {
  startTransaction(...args: unknown[]): Promise<Queryable>;
}
interface AdapterFactory {
  connect(): Promise<Adapter>;
}

export type WriteStatement = 'insert' | 'update' | 'delete' | 'commit';
export type ObserveWrite = (statement: WriteStatement, seconds: number) => void;

export function writeStatementOf(sql: string): WriteStatement | null {
  const verb = /^\s*(\w+)/.exec(sql)?.[1].toLowerCase() ?? '';
  switch (verb) {
    case 'insert':
    case 'update':
    case 'delete':
    case 'commit':
      return verb;
    case 'replace':
      return 'insert';
    default:
      return null;
  }
}

function timeQueryable<T extends Queryable>(target: T, observe: ObserveWrite): T {
  for (const method of ['queryRaw', 'executeRaw'] as const) {
    const original = target[method].bind(target) as (query: Query) => Promise<unknown>;
    const timed = async (query: Query): Promise<unknown> => {
      const statement = writeStatementOf(query.sql);
      if (!statement) return original(query);
      const started = performance.now();
      try {
        return await original(query);
      } finally {
        observe(statement, (performance.now() - started) / 1000);
      }
    };
    Object.assign(target, { [method]: timed });
  }
  return target;
}

export function timedAdapter<F extends AdapterFactory>(factory: F, observe: ObserveWrite): F {
  const connect = factory.connect.bind(factory);
  return Object.assign(factory, {
    connect: async (): Promise<Adapter> => {
      const adapter = timeQueryable(await connect(), observe);
      const startTransaction = adapter.startTransaction.bind(adapter);
      adapter.startTransaction = async (...args: unknown[]) => timeQueryable(await startTransaction(...args), observe);
      return adapter;
    },
  });
}
