import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinInfo, KitIndexView } from '../../server/src/contract/views';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';

/**
 * Navigator serves a workshop's kit (#15 item 6): the archive a VM downloads with curl and unpacks with the real tar,
 * and the artefacts `navigator kit fetch` (the command an author runs) downloaded from a real HTTP server into the
 * data directory, served only as the lock file pins them. The kit is a copy of this repository's bpf/ and
 * php-sample/ with a lock file of this test's own.
 */
const ARTEFACT = randomBytes(300 * 1024);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const NEVER_SERVED = sha256(Buffer.from('bytes no source has'));

let mirror: http.Server;
let mirrorUrl: string;
const mirrorRequests: string[] = [];
let root: string;
let workshopFile: string;
let navigator: TestNavigator;

const WORKSHOP = `version: 2
id: kit-test
title: Kit test
kit:
  include: [bpf, php-sample]
  lock: bpf/kit.lock
  source: bpf/kit.source
steps:
  - id: packages
    title: Packages
    minutes: 5
    hint:
      en: "curl -fsSL \${kit.archive} | tar -xz -C ~ && cd ~/\${kit.dir} && sudo ./bpf/setup.sh"
      ja: "\${kit.dir} に展開します"
    checks:
      - { id: done, title: Done, ssh: { run: "true" }, failure: "Download \${kit.archive} again." }
`;

beforeAll(async () => {
  // The artefacts' upstream: a missing URL first, then a redirect to the bytes.
  mirror = http.createServer((req, res) => {
    const url = req.url ?? '';
    mirrorRequests.push(url);
    if (url === '/moved') res.writeHead(302, { location: '/files/stand-in.bin' }).end();
    else if (url === '/files/stand-in.bin') res.writeHead(200, { 'content-length': ARTEFACT.length }).end(ARTEFACT);
    else if (url === '/files/other.bin' || url === '/files/unpinned.bin') res.end('other bytes\n');
    else res.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;

  root = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-kit-repo-'));
  for (const dir of ['bpf', 'php-sample']) fs.cpSync(path.join(REPO_ROOT, dir), path.join(root, dir), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'bpf/kit.lock'),
    [
      "# This test's artefacts: NAME SHA256 URL [URL...]",
      `stand-in.bin ${sha256(ARTEFACT)} ${mirrorUrl}/missing ${mirrorUrl}/moved`,
      `corrupt.bin ${NEVER_SERVED} ${mirrorUrl}/files/other.bin`,
      '',
      `unpinned.bin - ${mirrorUrl}/files/unpinned.bin`,
      '',
    ].join('\n'),
  );
  fs.mkdirSync(path.join(root, 'checks'));
  workshopFile = path.join(root, 'checks/kit-test.yaml');
  fs.writeFileSync(workshopFile, WORKSHOP);
  navigator = await startTestNavigator({ NAVIGATOR_WORKSHOP_FILE: workshopFile });
});

afterAll(async () => {
  await navigator?.stop();
  mirror?.closeAllConnections();
  await new Promise((resolve) => mirror?.close(resolve));
});

/** `npx navigator …` as the navigator runs it, with the server's environment; asynchronous, so this process keeps serving. */
function navigatorCommand(...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/navigator.mjs', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NAVIGATOR_WORKSHOP_FILE: workshopFile, NAVIGATOR_DATA_DIR: navigator.dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

async function download(url: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const response = await fetch(url);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

/** A GET with the path exactly as written (fetch() would resolve `..` before sending it), and the Host header given. */
function rawGet(rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(navigator.url);
    http
      .get({ hostname, port, path: rawPath, headers }, (response) => {
        let body = '';
        response.on('data', (d: Buffer) => (body += d.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

function unpack(archive: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-kit-vm-'));
  const archiveFile = path.join(dir, 'kit.tar.gz');
  fs.writeFileSync(archiveFile, archive);
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  const tar = spawnSync('tar', ['-xz', '-f', archiveFile, '-C', home], { encoding: 'utf8' });
  expect(tar.status, tar.stderr).toBe(0);
  expect(tar.stderr).toBe('');
  return home;
}

describe('the kit archive', () => {
  it('is public, unpacks with the real tar to <id>-kit/ with the scripts executable and kit.source naming this Navigator', async () => {
    const { status, bytes, headers } = await download(`${navigator.url}/kit/kit.tar.gz`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/gzip');
    expect(Number(headers.get('content-length'))).toBe(bytes.length);
    expect(headers.get('content-disposition')).toBe('attachment; filename="kit-test-kit.tar.gz"');
    const home = unpack(bytes);
    expect(fs.readdirSync(home)).toEqual(['kit-test-kit']);
    const kit = path.join(home, 'kit-test-kit');
    expect(fs.readdirSync(kit).sort()).toEqual(['bpf', 'php-sample']);
    for (const script of ['bpf/setup.sh', 'php-sample/load.sh']) expect(fs.statSync(path.join(kit, script)).mode & 0o111, script).toBe(0o111);
    expect(fs.statSync(path.join(kit, 'bpf/README.md')).mode & 0o111).toBe(0);
    expect(fs.readFileSync(path.join(kit, 'bpf/setup.sh')).equals(fs.readFileSync(path.join(REPO_ROOT, 'bpf/setup.sh')))).toBe(true);
    expect(fs.readFileSync(path.join(kit, 'bpf/kit.source'), 'utf8')).toBe(`KIT_MIRROR=${navigator.url}/kit/artefacts\n`);
    expect(fs.readFileSync(path.join(kit, 'bpf/kit.lock'), 'utf8')).toContain(`stand-in.bin ${sha256(ARTEFACT)}`);
  });

  it('is the same bytes on every download', async () => {
    const [first, second] = await Promise.all([download(`${navigator.url}/kit/kit.tar.gz`), download(`${navigator.url}/kit/kit.tar.gz`)]);
    expect(first.bytes.equals(second.bytes)).toBe(true);
  });

  it("is named in the hint and the failure on the reader's address", async () => {
    const join = await navigator.request('GET', new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/'));
    expect(join.status).toBe(200);
    const step = (join.body as JoinInfo).steps[0];
    expect(step.hint).toEqual({
      en: `curl -fsSL ${navigator.url}/kit/kit.tar.gz | tar -xz -C ~ && cd ~/kit-test-kit && sudo ./bpf/setup.sh`,
      ja: 'kit-test-kit に展開します',
    });
    expect(step.checks[0].failure).toBe(`Download ${navigator.url}/kit/kit.tar.gz again.`);
    // Another address the same server is reached at gets links on that address.
    const viaName = await rawGet(new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/'), { host: 'navigator.lan:8080' });
    expect(viaName.status).toBe(200);
    expect((JSON.parse(viaName.body) as JoinInfo).steps[0].checks[0].failure).toBe('Download http://navigator.lan:8080/kit/kit.tar.gz again.');
  });
});

describe('the artefacts', () => {
  it('are listed before anything is fetched, and not served yet, with the reason', async () => {
    for (const index of ['/kit', '/kit/']) {
      const response = await navigator.request('GET', index);
      expect(response.status, index).toBe(200);
      expect(response.body as KitIndexView).toEqual({
        workshop: 'kit-test',
        archive: `${navigator.url}/kit/kit.tar.gz`,
        directory: 'kit-test-kit',
        mirror: `${navigator.url}/kit/artefacts`,
        artefacts: [
          { name: 'stand-in.bin', sha256: sha256(ARTEFACT), fetched: false, size: null, sources: [`${mirrorUrl}/missing`, `${mirrorUrl}/moved`] },
          { name: 'corrupt.bin', sha256: NEVER_SERVED, fetched: false, size: null, sources: [`${mirrorUrl}/files/other.bin`] },
          { name: 'unpinned.bin', sha256: null, fetched: false, size: null, sources: [`${mirrorUrl}/files/unpinned.bin`] },
        ],
      });
    }
    const notFetched = await navigator.request('GET', '/kit/artefacts/stand-in.bin');
    expect(notFetched.status).toBe(404);
    expect(notFetched.body).toMatchObject({
      message: 'stand-in.bin is not on this Navigator yet: the navigator has not run `navigator kit fetch`.',
      error: { code: 'kit.not_fetched', values: { name: 'stand-in.bin' } },
    });
    expect(await navigator.request('GET', '/kit/artefacts/unpinned.bin')).toMatchObject({ status: 404, body: { error: { code: 'kit.unpinned' } } });
  });

  it('`navigator kit fetch` downloads each pinned one from its first working source, verified; the unpinned one is skipped with the advice', async () => {
    const { code, output } = await navigatorCommand('kit', 'fetch');
    expect(output).toContain(`  ${mirrorUrl}/missing: HTTP 404 Not Found`);
    expect(output).toContain(`stand-in.bin: fetched from ${mirrorUrl}/moved (300.0 KB, sha256 verified)`);
    expect(output).toContain('unpinned.bin: skipped, not pinned in bpf/kit.lock yet (run `npx navigator kit lock` where there is internet, then fetch again)');
    expect(output).toContain(`corrupt.bin: FAILED, no source gave the pinned bytes (sha256 ${NEVER_SERVED})`);
    expect(output).toContain('1 fetched, 0 already there, 1 skipped (not pinned), 1 failed');
    // One artefact could not be fetched.
    expect(code).toBe(1);
    expect(fs.readdirSync(path.join(navigator.dataDir, 'kit-artefacts'))).toEqual(['stand-in.bin']);
    expect(mirrorRequests).not.toContain('/files/unpinned.bin');
  });

  it('then serves the pinned bytes with their length and sha256, and lists them as fetched', async () => {
    const { status, bytes, headers } = await download(`${navigator.url}/kit/artefacts/stand-in.bin`);
    expect(status).toBe(200);
    expect(bytes.equals(ARTEFACT)).toBe(true);
    expect(Number(headers.get('content-length'))).toBe(ARTEFACT.length);
    expect(headers.get('x-kit-sha256')).toBe(sha256(bytes));
    expect(headers.get('repr-digest')).toBe(`sha-256=:${createHash('sha256').update(ARTEFACT).digest('base64')}:`);
    const index = (await navigator.request('GET', '/kit')).body as KitIndexView;
    expect(index.artefacts.map(({ name, fetched, size }) => ({ name, fetched, size }))).toEqual([
      { name: 'stand-in.bin', fetched: true, size: ARTEFACT.length },
      { name: 'corrupt.bin', fetched: false, size: null },
      { name: 'unpinned.bin', fetched: false, size: null },
    ]);
  });

  it('a second fetch leaves the verified artefact alone', async () => {
    mirrorRequests.length = 0;
    const { output } = await navigatorCommand('kit', 'fetch');
    expect(output).toContain('stand-in.bin: already fetched (300.0 KB, sha256 verified)');
    expect(mirrorRequests.filter((url) => url !== '/files/other.bin')).toEqual([]);
  });

  it('refuses names that are not in the lock and anything that tries to leave the artefacts directory', async () => {
    fs.writeFileSync(path.join(navigator.dataDir, 'kit-artefacts', 'not-in-lock.bin'), 'placed by hand');
    const secret = fs.readFileSync(path.join(navigator.dataDir, 'navigator.secret'), 'utf8').trim();
    expect(await navigator.request('GET', '/kit/artefacts/not-in-lock.bin')).toMatchObject({ status: 404, body: { error: { code: 'kit.unknown_artefact' } } });
    expect(await navigator.request('GET', '/kit/artefacts/navigator.secret')).toMatchObject({ status: 404, body: { error: { code: 'kit.unknown_artefact' } } });
    for (const encoded of ['..%2Fnavigator.secret', '%2E%2E%2Fnavigator.secret', '%2e%2e', '..', '.stand-in.bin.partial', 'stand-in.bin%00']) {
      const response = await rawGet(`/kit/artefacts/${encoded}`);
      expect([400, 404], encoded).toContain(response.status);
      expect(response.body, encoded).not.toContain(secret);
    }
    expect((await rawGet('/kit/artefacts/..%2Fnavigator.secret')).status).toBe(400);
    for (const raw of [
      '/kit/artefacts/../navigator.secret',
      '/kit/artefacts/../../navigator.secret',
      '/kit/../kit-artefacts/stand-in.bin',
      '/kit/artefacts//etc/passwd',
    ]) {
      const response = await rawGet(raw);
      expect(response.status, raw).toBe(404);
      expect(response.body, raw).not.toContain(secret);
      expect(response.body, raw).not.toContain('root:x:0:0');
    }
  });

  it('stops serving an artefact whose bytes changed on disk', async () => {
    fs.writeFileSync(path.join(navigator.dataDir, 'kit-artefacts', 'stand-in.bin'), 'tampered with');
    expect(await navigator.request('GET', '/kit/artefacts/stand-in.bin')).toMatchObject({ status: 404, body: { error: { code: 'kit.artefact_changed' } } });
  });

  it('`navigator kit lock NAME` pins an artefact in the lock file, keeping its comments and order', async () => {
    const before = fs.readFileSync(path.join(root, 'bpf/kit.lock'), 'utf8');
    const { code, output } = await navigatorCommand('kit', 'lock', 'unpinned.bin');
    expect(output).toContain(`unpinned.bin: pinned, sha256 ${sha256(Buffer.from('other bytes\n'))} from ${mirrorUrl}/files/unpinned.bin`);
    expect(code).toBe(0);
    expect(fs.readFileSync(path.join(root, 'bpf/kit.lock'), 'utf8')).toBe(
      before.replace('unpinned.bin - ', `unpinned.bin ${sha256(Buffer.from('other bytes\n'))} `),
    );
    expect(fs.readFileSync(path.join(navigator.dataDir, 'kit-artefacts', 'unpinned.bin'), 'utf8')).toBe('other bytes\n');
  });
});

describe('a workshop without a kit, and NAVIGATOR_PUBLIC_URL', () => {
  it('answers 404 with the reason when the workshop has no kit', async () => {
    const plain = await startTestNavigator();
    try {
      for (const route of ['/kit', '/kit/kit.tar.gz', '/kit/artefacts/stand-in.bin'])
        expect(await plain.request('GET', route), route).toMatchObject({ status: 404, body: { error: { code: 'kit.none' } } });
    } finally {
      await plain.stop();
    }
  });

  it('names the public address in the links and in kit.source', async () => {
    const publicUrl = 'https://navigator.example.org';
    const behind = await startTestNavigator({ NAVIGATOR_WORKSHOP_FILE: workshopFile, NAVIGATOR_PUBLIC_URL: publicUrl });
    try {
      const joinPath = new URL(behind.joinUrl).pathname.replace('/join/', '/api/join/');
      const join = (await (await fetch(`${behind.listening}${joinPath}`)).json()) as JoinInfo;
      expect(join.steps[0].checks[0].failure).toBe(`Download ${publicUrl}/kit/kit.tar.gz again.`);
      const archive = await download(`${behind.listening}/kit/kit.tar.gz`);
      const home = unpack(archive.bytes);
      expect(fs.readFileSync(path.join(home, 'kit-test-kit/bpf/kit.source'), 'utf8')).toBe(`KIT_MIRROR=${publicUrl}/kit/artefacts\n`);
    } finally {
      await behind.stop();
    }
  });
});

describe('the default workshop', () => {
  it('serves this repository’s kit and its packages hint downloads it from Navigator', async () => {
    const server = await startTestNavigator({ NAVIGATOR_WORKSHOP_FILE: path.join(REPO_ROOT, 'checks/ebpf-php.yaml') });
    try {
      const join = await server.request('GET', new URL(server.joinUrl).pathname.replace('/join/', '/api/join/'));
      const packages = (join.body as JoinInfo).steps.find((step) => step.id === 'packages')!;
      const command = `curl -fsSL ${server.url}/kit/kit.tar.gz | tar -xz -C ~ && cd ~/ebpf-php-kit && sudo ./bpf/setup.sh`;
      expect((packages.hint as { en: string }).en).toContain(command);
      expect((packages.hint as { ja: string }).ja).toContain(command);
      const home = unpack((await download(`${server.url}/kit/kit.tar.gz`)).bytes);
      expect(fs.statSync(path.join(home, 'ebpf-php-kit/bpf/setup.sh')).mode & 0o111).toBe(0o111);
      expect(fs.readFileSync(path.join(home, 'ebpf-php-kit/bpf/kit.source'), 'utf8')).toBe(`KIT_MIRROR=${server.url}/kit/artefacts\n`);
      const index = (await server.request('GET', '/kit')).body as KitIndexView;
      expect(index.artefacts.map((artefact) => artefact.name)).toContain('libbpf-1.5.0.tar.gz');
    } finally {
      await server.stop();
    }
  });
});
