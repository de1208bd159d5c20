/**
 * A generated run of a workshop, written straight into Navigator's database: for the retrospective's
 * benchmark (300 attendees × 20 checks × 3 hours) and its browser test. The room behaves as rooms do:
 * most attendees progress at their own pace, some stall on the hardest step, some lose their VM for a
 * while or for good, a few never connect; checks flap, hands go up, groups discuss and present.
 */
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrateDatabase } from '../../server/src/prisma/database.migrator';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';
import { workshopText } from '../../server/src/workshops/workshop.schema';

export interface GeneratedRunOptions {
  attendees: number;
  hours: number;
  seed?: number;
  /** When the run's clock started. */
  startAt?: number;
  /** The step most attendees find hard (stalls happen there). */
  hardStepId?: string;
}

export interface GeneratedRun {
  workshopId: string;
  runId: string;
  transitions: number;
  attendees: number;
}

const MINUTE = 60_000;
const REPO_ROOT = path.resolve(__dirname, '../..');

function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/** Prisma's SQLite adapter writes DateTime as ISO 8601 with an explicit offset; so does this. */
const sqliteTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

const REASONS = ['exit 1', 'stdout did not match', 'HTTP 502 from 127.0.0.1:9435', 'connection refused', 'no samples for the metric', 'timed out after 10 s'];
const NAMES = ['Ada', 'Grace', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Radia', 'Guido', 'Frances', 'Alan', 'Hedy', 'Rasmus', 'Yukihiro', 'Sophie'];

/**
 * Writes run 1 (archived after `hours`) of the workshop in `workshopFile` into the database in `dataDir`, and an
 * empty active run 2 after it, as Navigator would have left them. The server started on that directory then
 * serves both.
 */
export function writeGeneratedRun(dataDir: string, workshopFile: string, options: GeneratedRunOptions): GeneratedRun {
  const next = random(options.seed ?? 7);
  const { definition, hash } = loadWorkshopFile(workshopFile);
  const steps = definition.steps;
  const hard = Math.max(
    0,
    steps.findIndex((s) => s.id === (options.hardStepId ?? 'build-bpf')),
  );
  const zero = options.startAt ?? Date.UTC(2026, 10, 25, 9, 0);
  const end = zero + options.hours * 60 * MINUTE;
  const file = path.join(dataDir, 'navigator.db');
  migrateDatabase(file, path.join(REPO_ROOT, 'prisma/migrations'));
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const runId = `${definition.id}-run-1`;
  let transitionCount = 0;

  db.transaction(() => {
    const definitionJson = JSON.stringify(definition);
    db.prepare(`INSERT INTO Workshop (id, title, sourceFile, definitionJson, definitionHash, joinCode, loadedAt) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
      definition.id,
      // The database keeps the title in the workshop's language, as the server stores it.
      workshopText(definition, definition.title),
      workshopFile,
      definitionJson,
      hash,
      'GENRUN',
      sqliteTime(end),
    );
    db.prepare(`INSERT INTO WorkshopRevision (workshopId, definitionHash, definitionJson, loadedAt) VALUES (?, ?, ?, ?)`).run(
      definition.id,
      hash,
      definitionJson,
      sqliteTime(zero),
    );
    const insertRun = db.prepare(
      `INSERT INTO Run (id, workshopId, number, definitionHash, startedAt, archivedAt, clockStartedAt, clockPausedAt, clockPausedTotalMs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`,
    );
    insertRun.run(runId, definition.id, 1, hash, sqliteTime(zero - 10 * MINUTE), sqliteTime(end), sqliteTime(zero), sqliteTime(end));
    insertRun.run(`${definition.id}-run-2`, definition.id, 2, hash, sqliteTime(end), null, null, null);

    const insertAttendee = db.prepare(
      `INSERT INTO Attendee (id, runId, displayName, host, port, sshUser, tokenHash, createdAt, groupId) VALUES (?, ?, ?, '198.18.0.1', 22, 'ubuntu', ?, ?, NULL)`,
    );
    const insertTransition = db.prepare(`INSERT INTO Transition (attendeeId, stepId, checkId, fromStatus, toStatus, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const insertHelp = db.prepare(
      `INSERT INTO HelpRequest (attendeeId, message, raisedAt, acknowledgedAt, acknowledgedBy, resolvedAt) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    // Who went, by turns (no draw from the seeded sequence, so the run's figures stay what they were).
    const answerers = ['Navigator', 'Sam', '佐藤 健二'];
    const ids: string[] = [];

    for (let a = 0; a < options.attendees; a++) {
      const id = randomUUID();
      ids.push(id);
      const roll = next();
      const profile = roll < 0.04 ? 'never' : roll < 0.14 ? 'stalled' : roll < 0.22 ? 'flaky' : roll < 0.3 ? 'exporter-lost' : 'steady';
      const registeredAt = zero - 10 * MINUTE + Math.floor(next() * 25 * MINUTE);
      insertAttendee.run(
        id,
        runId,
        `${NAMES[a % NAMES.length]} ${Math.floor(a / NAMES.length) + 1}`,
        createHash('sha256').update(id).digest('hex'),
        sqliteTime(registeredAt),
      );
      const status = new Map<string, string>();
      let lastSeen = 0;
      const emit = (checkId: string | null, stepId: string | null, to: string, reason: string | null, at: number) => {
        if (at >= end) return;
        const key = checkId ?? '(vm)';
        const from = status.get(key) ?? null;
        if (from === to) return;
        status.set(key, to);
        if (to === 'connected') lastSeen = Math.max(lastSeen, at);
        insertTransition.run(id, stepId, checkId, from, to, reason, sqliteTime(at));
        transitionCount += 1;
      };
      if (profile === 'never') {
        emit(null, null, 'unreachable', 'refused', registeredAt + 5000);
        continue;
      }
      // Adding the key takes a while: auth is rejected until then.
      let t = registeredAt + 5000;
      emit(null, null, 'unreachable', 'auth_rejected', t);
      t = Math.max(t, zero) + Math.floor(next() * 4 * MINUTE);
      emit(null, null, 'connected', null, t);
      // Everything fails until done; the first probe sees every check.
      for (const step of steps) for (const check of step.checks) emit(check.id, step.id, 'fail', REASONS[Math.floor(next() * REASONS.length)], t);
      const speed = 0.6 + next() * 1.4;
      const drops = profile === 'flaky' ? [zero + (40 + next() * 60) * MINUTE, zero + (110 + next() * 40) * MINUTE] : [];
      const offline = drops.map((from, k) => ({ from, to: k === 1 && next() < 0.25 ? end : from + (3 + next() * 12) * MINUTE }));
      const reachable = (at: number) => !offline.some((w) => at >= w.from && at < w.to);
      for (const [i, step] of steps.entries()) {
        const hardFactor = i === hard ? 2.5 : 1;
        const stepEnd = t + step.minutes * speed * hardFactor * (0.7 + next() * 0.8) * MINUTE;
        if (profile === 'stalled' && i === hard) {
          // Never gets the build through: its checks flap between failing and erroring until the end.
          for (let f = t; f < end; f += (2 + next() * 6) * MINUTE) {
            const check = step.checks[Math.floor(next() * step.checks.length)];
            emit(check.id, step.id, next() < 0.5 ? 'error' : 'fail', next() < 0.7 ? 'stdout did not match' : 'timed out after 10 s', f);
          }
          if (next() < 0.8) raiseHand(t + 10 * MINUTE, true);
          break;
        }
        // While on the step, checks go from failing to passing one by one, some flapping back first.
        for (const check of step.checks) {
          const passAt = t + next() * (stepEnd - t);
          if (next() < 0.35 && passAt - t > 40_000) {
            const flap = t + next() * (passAt - t - 30_000);
            emit(check.id, step.id, 'error', 'timed out after 10 s', flap);
            emit(check.id, step.id, 'fail', REASONS[Math.floor(next() * REASONS.length)], flap + 20_000);
          }
          emit(check.id, step.id, 'pass', null, passAt);
        }
        for (const check of step.checks) emit(check.id, step.id, 'pass', null, stepEnd);
        if (next() < 0.12) raiseHand(t + (stepEnd - t) / 2, next() < 0.9);
        t = stepEnd;
        if (t >= end) break;
      }
      // Rate checks flap while the load generator pauses: every few minutes, from the exporter step on.
      const exporterIndex = Math.max(
        0,
        steps.findIndex((s) => s.id === 'exporter'),
      );
      const flappers = steps.slice(exporterIndex).flatMap((s) => s.checks.map((c) => ({ step: s.id, check: c.id })));
      const flapFrom = status.get(flappers[0]?.check ?? '') === 'pass' ? zero + (60 + next() * 60) * MINUTE : end;
      for (let f = flapFrom; f < end && flappers.length > 0; f += (2 + next() * 4) * MINUTE) {
        const { step, check } = flappers[Math.floor(next() * flappers.length)];
        if (!reachable(f)) continue;
        emit(check, step, 'fail', 'no samples for the metric', f);
        emit(check, step, 'pass', null, f + (20 + next() * 60) * 1000);
      }
      if (profile === 'exporter-lost') {
        const exporter = steps.find((s) => s.id === 'exporter') ?? steps[Math.min(steps.length - 1, 4)];
        const lostAt = zero + (90 + next() * 60) * MINUTE;
        if (status.get(exporter.checks[0].id) === 'pass') {
          for (const check of exporter.checks) emit(check.id, exporter.id, 'fail', 'connection refused', lostAt);
          for (const check of exporter.checks) emit(check.id, exporter.id, 'pass', null, lostAt + (5 + next() * 10) * MINUTE);
        }
      }
      // Connection drops: flaky ones come back; one in four of them goes for good the second time.
      for (const window of offline) {
        emit(null, null, 'unreachable', 'timeout', window.from);
        if (window.to < end) emit(null, null, 'connected', null, window.to);
      }
      if (lastSeen > 0) db.prepare(`UPDATE Attendee SET lastSeenAt = ? WHERE id = ?`).run(sqliteTime(lastSeen), id);
    }
    // Time order as the probes stored it.
    db.exec(`CREATE TEMP TABLE ordered AS SELECT * FROM Transition ORDER BY at, id`);
    db.exec(`DELETE FROM Transition`);
    db.exec(
      `INSERT INTO Transition (attendeeId, stepId, checkId, fromStatus, toStatus, reason, at) SELECT attendeeId, stepId, checkId, fromStatus, toStatus, reason, at FROM ordered`,
    );
    db.exec(`DROP TABLE ordered`);

    function raiseHand(at: number, answered: boolean): void {
      if (at >= end) return;
      const ack = answered ? at + (0.5 + next() * 9) * MINUTE : null;
      insertHelp.run(
        ids[ids.length - 1],
        next() < 0.5 ? 'the build hangs' : '',
        sqliteTime(at),
        ack && sqliteTime(ack),
        ack && answerers[ids.length % answerers.length],
        sqliteTime((ack ?? at) + 3 * MINUTE),
      );
    }

    // The closing discussion: groups of five, the first few presented before time ran out.
    const groupCount = Math.max(1, Math.round(ids.length / 5));
    const discussionStart = end - 25 * MINUTE;
    for (let g = 0; g < groupCount; g++) {
      const groupId = randomUUID();
      const presented = g < Math.min(groupCount, 4);
      const startedAt = discussionStart + 12 * MINUTE + g * 3.5 * MINUTE;
      db.prepare(
        `INSERT INTO "Group" (id, runId, name, position, presented, skipped, createdAt, presentationStartedAt, presentationEndedAt) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)`,
      ).run(
        groupId,
        runId,
        `Group ${g + 1}`,
        g,
        presented ? 1 : 0,
        sqliteTime(discussionStart),
        presented ? sqliteTime(startedAt) : null,
        presented ? sqliteTime(startedAt + (2 + next() * 3) * MINUTE) : null,
      );
      const members = ids.filter((_, i) => i % groupCount === g);
      db.prepare(`UPDATE Attendee SET groupId = ? WHERE id IN (${members.map(() => '?').join(',')})`).run(groupId, ...members);
      for (let n = 0; n < 2; n++)
        db.prepare(`INSERT INTO Note (id, groupId, authorName, text, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?)`).run(
          randomUUID(),
          groupId,
          'Navigator',
          n === 0 ? `Group ${g + 1}: trace slow SQL from PHP without touching the code` : 'Alert when a PHP function suddenly gets slower',
          sqliteTime(discussionStart + (2 + n) * MINUTE),
          sqliteTime(discussionStart + (2 + n) * MINUTE),
        );
    }
    db.prepare(`INSERT INTO Timer (runId, kind, durationMs, startedAt, elapsedMs, updatedAt) VALUES (?, 'discussion', ?, NULL, ?, ?)`).run(
      runId,
      definition.discussion.minutes * MINUTE,
      Math.round(definition.discussion.minutes * 1.3 * MINUTE),
      sqliteTime(end),
    );
  })();
  db.close();
  return { workshopId: definition.id, runId, transitions: transitionCount, attendees: options.attendees };
}
