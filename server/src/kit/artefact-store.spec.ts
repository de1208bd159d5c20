import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { beforeEach, describe, expect, it } from 'vitest';
import { ArtefactStore } from './artefact-store';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const pinned = (name: string, content: string) => ({ name, sha256: sha256(content), urls: ['https://example.org/x'], line: 1 });

let store: ArtefactStore;

beforeEach(() => {
  store = ArtefactStore.inDataDir(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-artefacts-')));
});

function put(name: string, content: string): void {
  const temporary = store.temporaryFile(name);
  fs.writeFileSync(temporary, content);
  store.commit(temporary, name);
}

describe('the artefact store', () => {
  it('serves an artefact only with the pinned bytes', async () => {
    expect(await store.check(pinned('a.bin', 'A'))).toEqual({ state: 'missing' });
    expect(await store.open(pinned('a.bin', 'A'))).toBeNull();
    put('a.bin', 'A');
    expect(await store.check(pinned('a.bin', 'A'))).toEqual({ state: 'verified', size: 1 });
    const opened = await store.open(pinned('a.bin', 'A'));
    expect(opened && { size: opened.size, sha256: opened.sha256 }).toEqual({ size: 1, sha256: sha256('A') });
    expect((await buffer(opened!.stream)).toString()).toBe('A');
    expect(await store.check(pinned('a.bin', 'B'))).toEqual({ state: 'different', sha256: sha256('A') });
    expect(await store.open(pinned('a.bin', 'B'))).toBeNull();
  });

  it('notices a file changed in place, and a reader keeps the bytes it opened while a new version is renamed in', async () => {
    put('a.bin', 'first version');
    const opened = await store.open(pinned('a.bin', 'first version'));
    put('a.bin', 'second version');
    expect((await buffer(opened!.stream)).toString()).toBe('first version');
    expect(await store.check(pinned('a.bin', 'second version'))).toEqual({ state: 'verified', size: 14 });
    fs.writeFileSync(store.pathOf('a.bin'), 'edited in place, longer');
    expect(await store.check(pinned('a.bin', 'second version'))).toEqual({ state: 'different', sha256: sha256('edited in place, longer') });
  });

  it('makes paths only from artefact names', () => {
    expect(store.pathOf('libbpf-1.5.0.tar.gz')).toBe(path.join(store.directory, 'libbpf-1.5.0.tar.gz'));
    for (const name of ['../navigator.secret', '..', '.partial', 'a/b', '']) expect(() => store.pathOf(name), name).toThrow('not an artefact name');
    expect(path.basename(store.temporaryFile('a.bin'))).toMatch(/^\.a\.bin\.[0-9a-f]{12}\.partial$/);
  });
});
