import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NoteAck } from '../../server/src/contract/events';
import { CLOSED_PORT, TestClient } from '../support/clients';
import { REPO_ROOT } from '../support/navigator';
import { ServerProcess } from '../support/server-process';
import { freePort } from '../support/sshd';

/**
 * `npm run backup` while four attendees write notes as fast as the server acknowledges them, then
 * `npm run restore` into the same data directory and a server started on it: every note acknowledged
 * before the backup began is there, with the same navigator secret.
 */
let server: ServerProcess;
afterAll(async () => server?.kill());

function cli(args: string[], dataDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/server/backup/cli.js', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NAVIGATOR_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('backup and restore of the data directory', () => {
  it('a backup taken under write load restores every note acknowledged before it began', async () => {
    const status = spawnSync(process.execPath, ['scripts/build-lib.mjs', 'status'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (status.status !== 0) throw new Error(`build first (npm run build): ${status.stdout}`);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-backup-data-'));
    const backupDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-backup-')), 'copy');
    server = new ServerProcess({
      NAVIGATOR_PORT: String(await freePort()),
      NAVIGATOR_DATA_DIR: dataDir,
      NAVIGATOR_WORKSHOP_FILE: path.join(REPO_ROOT, 'test/fixtures/workshop.yaml'),
      NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true',
    });
    await server.start();
    const { navigatorToken, joinPath } = server.links();
    const writers: TestClient[] = [];
    for (let i = 0; i < 4; i++) {
      const registered = await fetch(server.url + joinPath, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ displayName: `Writer ${i}`, host: '127.0.0.1', port: CLOSED_PORT, sshUser: `writer${i}` }),
      });
      const token = ((await registered.json()) as { personalPath: string }).personalPath.split('/').pop()!;
      writers.push(new TestClient(server.url, 'attendee', `navigator_attendee=${token}`));
    }
    const board = new TestClient(server.url, 'board', `navigator_navigator=${navigatorToken}`);
    expect(await board.socket.emitWithAck('discussion:form', { by: 'count', n: 4, strategy: 'random' })).toEqual({ ok: true });
    board.close();

    const acknowledged: string[] = [];
    const sent = new Set<string>();
    let writing = true;
    const loops = writers.map(async (writer, index) => {
      const groupId = await writer.until('my group', (c) => c.discussion?.myGroupId, 10_000);
      // A group holds at most 200 notes: each writer stops well before.
      for (let n = 0; writing && n < 180; n++) {
        const text = `writer ${index} note ${n}`;
        sent.add(text);
        const ack = (await writer.socket.timeout(5000).emitWithAck('note:create', { groupId, text })) as NoteAck;
        if (!ack.ok) throw new Error(`refused: ${ack.error}`);
        acknowledged.push(text);
      }
    });
    while (acknowledged.length < 40) await new Promise((r) => setTimeout(r, 20));

    const refused = await cli(['restore', backupDir], dataDir);
    expect(refused.code).toBe(2);

    const beforeBackup = [...acknowledged];
    const backup = await cli(['backup', backupDir], dataDir);
    const duringBackup = acknowledged.length - beforeBackup.length;
    writing = false;
    await Promise.all(loops);
    writers.forEach((w) => w.close());
    expect(backup.code, backup.output).toBe(0);
    expect(refused.output).toMatch(/Navigator \(pid \d+\) is running on .*: stop it before restoring/);
    // Under load: notes were acknowledged while the backup ran.
    expect(duringBackup).toBeGreaterThan(0);
    const keyFiles = fs.readdirSync(backupDir).filter((name) => /^attendee-[\w-]+\.key$/.test(name));
    expect(keyFiles).toHaveLength(writers.length);
    expect(fs.readdirSync(backupDir).filter((name) => !keyFiles.includes(name))).toEqual(['backup-manifest.json', 'navigator.db', 'navigator.secret']);
    for (const name of keyFiles) expect(fs.statSync(path.join(backupDir, name)).mode & 0o777).toBe(0o600);

    await server.kill();
    const restore = await cli(['restore', backupDir], dataDir);
    expect(restore.code, restore.output).toBe(0);
    expect(restore.output).toMatch(/the files it replaced are in .*pre-restore-/);
    expect(fs.existsSync(path.join(dataDir, 'navigator.db-wal'))).toBe(false);

    await server.start();
    expect(server.links().navigatorToken).toBe(navigatorToken);
    const exported = (await (await fetch(`${server.url}/api/export/discussion.json`, { headers: { authorization: `Bearer ${navigatorToken}` } })).json()) as {
      groups: { notes: { text: string }[] }[];
    };
    const restored = exported.groups.flatMap((g) => g.notes.map((n) => n.text));
    const stored = new Set(restored);
    expect(beforeBackup.filter((text) => !stored.has(text))).toEqual([]);
    expect(restored.filter((text) => !sent.has(text))).toEqual([]);
    expect(restored.length).toBeLessThanOrEqual(acknowledged.length);
  });

  it('restore refuses a damaged backup and leaves the data directory alone', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-backup-data-'));
    fs.writeFileSync(path.join(dataDir, 'navigator.secret'), 'untouched\n');
    const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-backup-'));
    fs.writeFileSync(path.join(backupDir, 'backup-manifest.json'), JSON.stringify({ format: 1, files: { 'navigator.db': 'f'.repeat(64) } }));
    fs.writeFileSync(path.join(backupDir, 'navigator.db'), 'not a database');
    const result = await cli(['restore', backupDir], dataDir);
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/navigator\.db is missing or changed since the backup was taken/);
    expect(fs.readdirSync(dataDir)).toEqual(['navigator.secret']);
  });
});
