import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/navigator';
import { freePort } from '../support/sshd';

/**
 * The built server started as an operator does (`npm start`, i.e. scripts/start.mjs), its output
 * read whole: a quiet start in text, one JSON object per line with NAVIGATOR_LOG_FORMAT=json, request
 * ids, and no secret in any line although every kind of secret went through a request.
 */
interface Run {
  child: ChildProcess;
  url: string;
  dataDir: string;
  output: () => string;
}
const runs: Run[] = [];

afterEach(async () => {
  for (const run of runs.splice(0)) await stop(run);
});

function requireCurrentBuild(): void {
  const status = spawnSync(process.execPath, ['scripts/build-lib.mjs', 'status'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (status.status !== 0) throw new Error(`build first (npm run build): ${status.stdout}`);
}

async function start(env: Record<string, string>): Promise<Run> {
  requireCurrentBuild();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-logs-'));
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NAVIGATOR_HOST: '127.0.0.1',
      NAVIGATOR_PORT: String(port),
      NAVIGATOR_DATA_DIR: dataDir,
      NAVIGATOR_WORKSHOP_FILE: path.join(REPO_ROOT, 'test/fixtures/workshop.yaml'),
      NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const run: Run = { child, url: `http://127.0.0.1:${port}`, dataDir, output: () => output };
  runs.push(run);
  const deadline = Date.now() + 30_000;
  while (!/listening on/.test(output)) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return run;
}

async function stop(run: Run): Promise<void> {
  if (run.child.exitCode !== null || run.child.signalCode !== null) return;
  const exited = new Promise((r) => run.child.once('exit', r));
  run.child.kill('SIGTERM');
  await exited;
}

describe('logs', () => {
  it('start quietly: what is listening, the join link, the workshop; no route mapping; no rebuild when current', async () => {
    const run = await start({ NAVIGATOR_LOG_LEVEL: 'log' });
    await stop(run);
    const lines = run.output().trim().split('\n');
    expect(run.output()).not.toMatch(/Building|Mapped \{|dependencies initialized|subscribed to the/);
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(run.output()).toMatch(/INFO {2}\[WorkshopsService\] workshop "Test workshop" loaded/);
    expect(run.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+; attendees join at http:\/\/127\.0\.0\.1:\d+\/join\/[A-Z0-9]{6}/);
    // Not a terminal: the sign-in links are not printed at all, only where to get them.
    expect(run.output()).not.toMatch(/token=/);
    expect(run.output()).toMatch(/npm run links/);
  });

  it('NAVIGATOR_LOG_FORMAT=json: a start that fails says why in one JSON line', async () => {
    requireCurrentBuild();
    const failed = spawnSync(process.execPath, ['dist/server/main.js'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NAVIGATOR_LOG_FORMAT: 'json', NAVIGATOR_PORT: 'eighty' },
    });
    expect(failed.status).toBe(2);
    const lines = failed.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 60, context: 'Navigator', msg: expect.stringContaining('NAVIGATOR_PORT') });
  });

  it('NAVIGATOR_LOG_FORMAT=json: every line parses, requests carry ids, and no token appears anywhere', async () => {
    const run = await start({ NAVIGATOR_LOG_FORMAT: 'json', NAVIGATOR_LOG_LEVEL: 'verbose' });
    const navigatorSecret = fs.readFileSync(path.join(run.dataDir, 'navigator.secret'), 'utf8').trim();
    const links = spawnSync(process.execPath, ['dist/server/links.js'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NAVIGATOR_DATA_DIR: run.dataDir, NAVIGATOR_WORKSHOP_FILE: path.join(REPO_ROOT, 'test/fixtures/workshop.yaml') },
    });
    expect(links.status, links.stderr).toBe(0);
    const projectorToken = /auth\/projector\?token=(\S+)/.exec(links.stdout)![1];
    const joinCode = /\/join\/([A-Z0-9]+)/.exec(links.stdout)![1];
    expect(links.stdout).toContain(`auth/navigator?token=${navigatorSecret}`);

    const get = (p: string, headers: Record<string, string> = {}) => fetch(run.url + p, { headers, redirect: 'manual' });
    expect((await get(`/auth/navigator?token=${navigatorSecret}`)).status).toBe(303);
    expect((await get(`/auth/projector?token=${projectorToken}`)).status).toBe(303);
    expect((await get('/auth/navigator?token=wrong-guess-of-the-secret')).status).toBe(401);
    const registered = await fetch(`${run.url}/api/join/${joinCode}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Logged', host: '127.0.0.1', port: 9, sshUser: 'logged' }),
    });
    expect(registered.status).toBe(201);
    const attendeeToken = ((await registered.json()) as { personalPath: string }).personalPath.split('/').pop()!;
    expect((await get(`/a/${attendeeToken}`)).status).toBe(303);
    expect((await get('/api/me', { cookie: `navigator_attendee=${attendeeToken}` })).status).toBe(200);
    const scripted = await get('/api/attendees', { authorization: `Bearer ${navigatorSecret}`, 'x-request-id': 'script-run-42' });
    expect(scripted.status).toBe(200);
    expect(scripted.headers.get('x-request-id')).toBe('script-run-42');
    const generated = (await get('/api/workshop/links', { cookie: `navigator_navigator=${navigatorSecret}` })).headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const runs = (await (await get('/api/runs', { authorization: `Bearer ${navigatorSecret}` })).json()) as { id: string }[];
    const shared = await fetch(`${run.url}/api/runs/${runs[0].id}/share`, { method: 'POST', headers: { authorization: `Bearer ${navigatorSecret}` } });
    expect(shared.status).toBe(201);
    const sharePath = ((await shared.json()) as { sharePath: string }).sharePath;
    const shareToken = sharePath.split('/').pop()!;
    expect((await get(sharePath)).status).toBe(200);
    expect((await get(`/api/shared/${shareToken}/retrospective.md`)).status).toBe(200);
    const socket = io(run.url, { auth: { view: 'board' }, extraHeaders: { cookie: `navigator_navigator=${navigatorSecret}` }, transports: ['websocket'] });
    await new Promise<void>((resolve) => socket.once('roster:snapshot', () => resolve()));
    socket.close();
    await stop(run);

    const output = run.output();
    const lines = output.trim().split('\n');
    const records = lines.map((line, index) => {
      try {
        return JSON.parse(line) as { level: number; time: string; msg: string; req?: { id: string; url: string } };
      } catch {
        throw new Error(`line ${index + 1} is not JSON: ${line}`);
      }
    });
    for (const record of records) {
      expect(typeof record.level).toBe('number');
      expect(Number.isNaN(Date.parse(record.time))).toBe(false);
      expect(typeof record.msg).toBe('string');
    }
    for (const [name, secret] of Object.entries({ navigatorSecret, projectorToken, attendeeToken, shareToken })) {
      expect(output.includes(secret), `${name} appears in the logs`).toBe(false);
    }
    const requests = records.filter((r) => r.req);
    expect(requests.map((r) => r.req!.url)).toEqual(
      expect.arrayContaining([
        '/auth/navigator?token=[redacted]',
        '/auth/projector?token=[redacted]',
        '/a/[redacted]',
        '/api/attendees',
        '/api/shared/[redacted]/retrospective.md',
      ]),
    );
    expect(requests.every((r) => typeof r.req!.id === 'string' && r.req!.id.length > 0)).toBe(true);
    expect(requests.find((r) => r.req!.url === '/api/attendees')!.req!.id).toBe('script-run-42');
    expect(requests.some((r) => r.req!.id === generated)).toBe(true);
  });
});
