import { describe, expect, it } from 'vitest';
import { timedAdapter, writeStatementOf, type WriteStatement } from './timed-adapter';

describe('timed adapter', () => {
  it.each([
    ['INSERT INTO "main"."Note" ("id") VALUES (?) RETURNING "id"', 'insert'],
    ['  update "main"."Attendee" SET "lastSeenAt" = ?', 'update'],
    ['DELETE FROM "main"."Group" WHERE 1', 'delete'],
    ['COMMIT', 'commit'],
    ['REPLACE INTO t VALUES (1)', 'insert'],
    ['SELECT 1', null],
    ['BEGIN', null],
  ])('%s is %s', (sql, statement) => {
    expect(writeStatementOf(sql)).toBe(statement);
  });

  it('times writes of the adapter and of its transactions, not reads', async () => {
    const queryable = () => ({ queryRaw: async (_query: { sql: string }) => ({ rows: [] }), executeRaw: async (_query: { sql: string }) => 1 });
    const factory = { connect: async () => ({ ...queryable(), startTransaction: async () => queryable() }) };
    const seen: WriteStatement[] = [];
    const adapter = await timedAdapter(factory, (statement, seconds) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      seen.push(statement);
    }).connect();
    await adapter.queryRaw({ sql: 'SELECT 1' });
    await adapter.queryRaw({ sql: 'INSERT INTO t VALUES (1) RETURNING id' });
    const transaction = await adapter.startTransaction();
    await transaction.executeRaw({ sql: 'UPDATE t SET a = 1' });
    await transaction.executeRaw({ sql: 'COMMIT' });
    expect(seen).toEqual(['insert', 'update', 'commit']);
  });
});
