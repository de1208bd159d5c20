import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../server/src/prisma/database.migrator';
import { REPO_ROOT } from '../support/navigator';

const MIGRATIONS = path.join(REPO_ROOT, 'prisma/migrations');
const RUNS_MIGRATION = '20261210000000_runs';

/** A database as it was before runs, with a room's worth of history, migrated: everything lands in the first run. */
describe('the runs migration', () => {
  it('moves existing attendees, transitions, hands, groups, notes, timers and the clock into each workshop’s first run', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-migration-'));
    const before = path.join(dir, 'before');
    fs.mkdirSync(before);
    for (const name of fs.readdirSync(MIGRATIONS).filter((n) => n < RUNS_MIGRATION))
      fs.cpSync(path.join(MIGRATIONS, name), path.join(before, name), { recursive: true });
    const file = path.join(dir, 'navigator.db');
    migrateDatabase(file, before);

    const db = new Database(file);
    const t = (minute: number) => Date.UTC(2026, 0, 1, 10, minute);
    db.prepare(
      `INSERT INTO Workshop (id, title, sourceFile, definitionJson, definitionHash, joinCode, loadedAt, clockStartedAt, clockPausedTotalMs, presentingGroupId)
       VALUES ('w', 'W', 'w.yaml', '{}', 'h1', 'ABCDEF', ?, ?, 1000, 'g1')`,
    ).run(t(30), t(0));
    db.prepare(`INSERT INTO "Group" (id, workshopId, name, position, presented) VALUES ('g1', 'w', 'Group 1', 0, 1)`).run();
    const attendee = db.prepare(
      `INSERT INTO Attendee (id, workshopId, displayName, host, port, sshUser, tokenHash, createdAt, groupId) VALUES (?, 'w', ?, 'h', 22, 'u', ?, ?, ?)`,
    );
    attendee.run('a1', 'Ada', 'hash1', t(-5), 'g1');
    attendee.run('a2', 'Grace', 'hash2', t(-3), null);
    const transition = db.prepare(`INSERT INTO Transition (attendeeId, checkId, fromStatus, toStatus, reason, at) VALUES (?, ?, ?, ?, ?, ?)`);
    for (let i = 0; i < 50; i++) transition.run(i % 2 ? 'a1' : 'a2', i % 5 ? `c${i % 3}` : null, null, i % 5 ? 'pass' : 'connected', null, t(i));
    db.prepare(`INSERT INTO HelpRequest (attendeeId, message, raisedAt) VALUES ('a1', 'help', ?)`).run(t(4));
    db.prepare(`INSERT INTO Note (id, groupId, authorName, text) VALUES ('n1', 'g1', 'Ada', 'a note')`).run();
    db.prepare(`INSERT INTO Timer (workshopId, kind, durationMs, elapsedMs) VALUES ('w', 'discussion', 600000, 1000)`).run();
    db.close();

    const report = migrateDatabase(file, MIGRATIONS);
    expect(report.applied).toContain(RUNS_MIGRATION);

    const after = new Database(file, { readonly: true });
    try {
      expect(
        after
          .prepare(`SELECT id, workshopId, number, definitionHash, startedAt, archivedAt, clockStartedAt, clockPausedTotalMs, presentingGroupId FROM Run`)
          .all(),
      ).toEqual([
        {
          id: 'w-run-1',
          workshopId: 'w',
          number: 1,
          definitionHash: 'h1',
          startedAt: t(-5),
          archivedAt: null,
          clockStartedAt: t(0),
          clockPausedTotalMs: 1000,
          presentingGroupId: 'g1',
        },
      ]);
      expect(after.prepare(`SELECT id, runId, groupId FROM Attendee ORDER BY id`).all()).toEqual([
        { id: 'a1', runId: 'w-run-1', groupId: 'g1' },
        { id: 'a2', runId: 'w-run-1', groupId: null },
      ]);
      // Redefining Attendee drops the old table: with foreign keys on, that would have cascaded to these.
      expect(after.prepare(`SELECT COUNT(*) AS n FROM Transition`).get()).toEqual({ n: 50 });
      expect(after.prepare(`SELECT COUNT(*) AS n FROM HelpRequest`).get()).toEqual({ n: 1 });
      expect(after.prepare(`SELECT id, groupId FROM Note`).all()).toEqual([{ id: 'n1', groupId: 'g1' }]);
      expect(after.prepare(`SELECT runId, position, presented FROM "Group"`).all()).toEqual([{ runId: 'w-run-1', position: 0, presented: 1 }]);
      expect(after.prepare(`SELECT runId, kind, elapsedMs FROM Timer`).all()).toEqual([{ runId: 'w-run-1', kind: 'discussion', elapsedMs: 1000 }]);
      expect(after.pragma('foreign_key_check')).toEqual([]);
      expect(after.prepare(`SELECT joinCode FROM Workshop`).get()).toEqual({ joinCode: 'ABCDEF' });
    } finally {
      after.close();
    }
  });
});
