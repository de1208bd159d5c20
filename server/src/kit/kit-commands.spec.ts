import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ArtefactStore } from './artefact-store';
import { DownloadError, HttpDownloader } from './http-download';
import { fetchArtefacts, lockArtefacts } from './kit-commands';
import type { ResolvedKit } from './kit-files';
import { parseKitLock } from './kit-lock';

const ARTEFACT = Buffer.from('the pinned artefact\n'.repeat(5000));
const OTHER = Buffer.from('some other bytes\n');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let server: http.Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(url);
    switch (url) {
      case '/artefact':
        res.end(ARTEFACT);
        return;
      case '/other':
        res.end(OTHER);
        return;
      case '/moved':
        res.writeHead(302, { location: '/artefact' }).end();
        return;
      case '/loop':
        res.writeHead(301, { location: `${base}/loop` }).end();
        return;
      case '/stall':
        // Headers and a first chunk, then nothing: a link that died mid-download.
        res.writeHead(200, { 'content-length': '1000000' });
        res.write('a first chunk');
        return;
      default:
        res.writeHead(404).end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the HTTP downloader', () => {
  const temporary = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-download-')), 'file');

  it('follows redirects and says the sha256 and size of what it wrote', async () => {
    const file = temporary();
    expect(await new HttpDownloader().download(`${base}/moved`, file)).toEqual({ sha256: sha256(ARTEFACT), bytes: ARTEFACT.length });
    expect(fs.readFileSync(file).equals(ARTEFACT)).toBe(true);
  });

  it('fails with the HTTP status, when nothing more arrives within its idle timeout, when refused, and on a redirect loop', async () => {
    await expect(new HttpDownloader().download(`${base}/missing`, temporary())).rejects.toThrow(new DownloadError('HTTP 404 Not Found'));
    await expect(new HttpDownloader(300).download(`${base}/stall`, temporary())).rejects.toThrow(/^stalled: nothing for 0.3 s after 13 bytes$/);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(new HttpDownloader().download(`http://127.0.0.1:${port}/refused`, temporary())).rejects.toThrow(
      new DownloadError(`connect ECONNREFUSED 127.0.0.1:${port}`),
    );
    await expect(new HttpDownloader().download(`${base}/loop`, temporary())).rejects.toThrow(new DownloadError('more than 10 redirects'));
  });
});

describe('navigator kit fetch and kit lock', () => {
  let dir: string;
  let lockFile: string;
  let store: ArtefactStore;
  let lines: string[];

  /** A kit whose lock file is written here: the commands read it from the ResolvedKit as the loader made it. */
  function kitWith(lock: string): ResolvedKit {
    fs.writeFileSync(lockFile, lock);
    return { directory: 'demo-kit', root: dir, entries: [], lockFile, artefacts: parseKitLock(lock), sourcePath: null };
  }
  const context = (kit: ResolvedKit) => ({ kit, store, downloader: new HttpDownloader(2000), out: (line: string) => lines.push(line) });
  const leftovers = () => fs.readdirSync(store.directory).filter((name) => name.startsWith('.'));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-kit-commands-'));
    lockFile = path.join(dir, 'kit.lock');
    store = ArtefactStore.inDataDir(path.join(dir, 'data'));
    lines = [];
    requests.length = 0;
  });

  it('fetches each pinned artefact from its first working source, verified; skips unpinned ones with the advice', async () => {
    const kit = kitWith(
      [
        '# test kit',
        `good.bin ${sha256(ARTEFACT)} ${base}/missing ${base}/other ${base}/moved`,
        `unpinned.bin - ${base}/unpinned`,
        `broken.bin ${sha256(Buffer.from('never served'))} ${base}/artefact`,
      ].join('\n'),
    );
    expect(await fetchArtefacts(context(kit))).toBe(1);
    expect(lines).toEqual([
      `  ${base}/missing: HTTP 404 Not Found`,
      `  ${base}/other: sha256 ${sha256(OTHER)}, not the pinned ${sha256(ARTEFACT)}`,
      `good.bin: fetched from ${base}/moved (${(ARTEFACT.length / 1024).toFixed(1)} KB, sha256 verified)`,
      'unpinned.bin: skipped, not pinned in kit.lock yet (run `npx navigator kit lock` where there is internet, then fetch again)',
      `  ${base}/artefact: sha256 ${sha256(ARTEFACT)}, not the pinned ${sha256(Buffer.from('never served'))}`,
      `broken.bin: FAILED, no source gave the pinned bytes (sha256 ${sha256(Buffer.from('never served'))})`,
      `1 fetched, 0 already there, 1 skipped (not pinned), 1 failed: ${store.directory}`,
    ]);
    expect(fs.readFileSync(store.pathOf('good.bin')).equals(ARTEFACT)).toBe(true);
    expect(fs.readdirSync(store.directory)).toEqual(['good.bin']);
    expect(requests).not.toContain('/unpinned');
  });

  it('leaves a verified artefact alone and replaces one whose bytes changed', async () => {
    const kit = kitWith(`good.bin ${sha256(ARTEFACT)} ${base}/artefact\n`);
    expect(await fetchArtefacts(context(kit))).toBe(0);
    requests.length = 0;
    lines = [];
    expect(await fetchArtefacts(context(kit))).toBe(0);
    expect(requests).toEqual([]);
    expect(lines[0]).toBe(`good.bin: already fetched (${(ARTEFACT.length / 1024).toFixed(1)} KB, sha256 verified)`);

    fs.writeFileSync(store.pathOf('good.bin'), 'tampered');
    lines = [];
    expect(await fetchArtefacts(context(kit))).toBe(0);
    expect(lines[0]).toBe(`good.bin: the copy in ${store.directory} has sha256 ${sha256(Buffer.from('tampered'))}, not the pinned one; fetching it again`);
    expect(fs.readFileSync(store.pathOf('good.bin')).equals(ARTEFACT)).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it('lock pins the unpinned artefacts in the lock file, keeping the rest of it, and keeps the download', async () => {
    const pinned = sha256(OTHER);
    const text = [
      '# The kit: NAME SHA256 URL...',
      '',
      `first.bin   -   ${base}/missing ${base}/moved   `,
      `  # a note about second`,
      `second.bin ${pinned} ${base}/other`,
      `third.bin\t-\t${base}/missing`,
      '',
    ].join('\n');
    const kit = kitWith(text);
    expect(await lockArtefacts(context(kit), [])).toBe(1);
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(text.replace('first.bin   -   ', `first.bin   ${sha256(ARTEFACT)}   `));
    expect(lines).toEqual([
      `  ${base}/missing: HTTP 404 Not Found`,
      `first.bin: pinned, sha256 ${sha256(ARTEFACT)} from ${base}/moved (${(ARTEFACT.length / 1024).toFixed(1)} KB)`,
      'second.bin: already pinned (name it to download it and pin it again: navigator kit lock second.bin)',
      `  ${base}/missing: HTTP 404 Not Found`,
      'third.bin: FAILED, none of its URLs could be downloaded; kit.lock keeps -',
    ]);
    expect(fs.readFileSync(store.pathOf('first.bin')).equals(ARTEFACT)).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it('lock NAME downloads that one again and says when its sum changed; a name not in the lock is refused', async () => {
    const kit = kitWith(`a.bin ${sha256(OTHER)} ${base}/artefact\nb.bin - ${base}/other\n`);
    expect(await lockArtefacts(context(kit), ['a.bin'])).toBe(0);
    expect(lines).toEqual([
      `a.bin: CHANGED (was ${sha256(OTHER)}; check why before using it), sha256 ${sha256(ARTEFACT)} from ${base}/artefact (${(ARTEFACT.length / 1024).toFixed(1)} KB)`,
    ]);
    expect(parseKitLock(fs.readFileSync(lockFile, 'utf8')).map((a) => a.sha256)).toEqual([sha256(ARTEFACT), null]);
    lines = [];
    expect(await lockArtefacts(context(kit), ['c.bin'])).toBe(2);
    expect(lines).toEqual(['not in kit.lock: c.bin (it has a.bin, b.bin)']);
  });
});
