import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CONFIG, loadConfig } from '../config/app.config';
import type { KitIndexView } from '../contract/views';
import { loadWorkshopFile } from '../workshops/workshop.loader';
import { WorkshopsService } from '../workshops/workshops.service';
import { ArtefactStore } from './artefact-store';
import { KitController } from './kit.controller';
import { KitService } from './kit.service';

/**
 * The kit's HTTP edge on its own: a workshop loaded from a small repository, the data directory's artefacts, and the
 * answers a VM's curl gets (test/integration/kit.test.ts runs the whole server, roles and all).
 */
const ARTEFACT = Buffer.from('pinned bytes\n'.repeat(1000));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let app: INestApplication;
let base: string;
let store: ArtefactStore;

beforeAll(async () => {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-kit-http-'));
  fs.mkdirSync(path.join(repo, 'checks'));
  fs.mkdirSync(path.join(repo, 'bpf'));
  fs.writeFileSync(path.join(repo, 'bpf/setup.sh'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(
    path.join(repo, 'bpf/kit.lock'),
    `fetched.bin ${sha256(ARTEFACT)} https://example.org/a\nlater.bin ${'c'.repeat(64)} https://example.org/b\nopen.bin - https://example.org/c\n`,
  );
  const workshopFile = path.join(repo, 'checks/demo.yaml');
  fs.writeFileSync(
    workshopFile,
    'version: 2\nid: demo\ntitle: Demo\nkit: { include: [bpf], lock: bpf/kit.lock, source: bpf/kit.source }\nsteps:\n  - { id: one, title: One, minutes: 5, checks: [{ id: c, title: C, ssh: { run: "true" } }] }\n',
  );
  const config = loadConfig({ NAVIGATOR_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-kit-data-')) });
  store = ArtefactStore.inDataDir(config.dataDir);
  const temporary = store.temporaryFile('fetched.bin');
  fs.writeFileSync(temporary, ARTEFACT);
  store.commit(temporary, 'fetched.bin');
  const { definition, kit } = loadWorkshopFile(workshopFile);
  const workshops = { workshop: { id: definition.id, definition, kit } };

  @Module({
    controllers: [KitController],
    providers: [KitService, { provide: WorkshopsService, useValue: workshops }, { provide: APP_CONFIG, useValue: config }],
  })
  class KitHttpModule {}
  app = await NestFactory.create(KitHttpModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
});

afterAll(async () => app?.close());

/** A GET as curl sends it: the path as written (fetch() resolves `%2E%2E`) and any Host header. */
function get(rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ hostname: '127.0.0.1', port: new URL(base).port, path: rawPath, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('GET /kit/…', () => {
  it('kit.tar.gz: a gzip tarball with its length, named for the workshop, whose kit.source names the address asked', async () => {
    const response = await get('/kit/kit.tar.gz', { host: 'vm-facing.example:8080' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/gzip');
    expect(Number(response.headers['content-length'])).toBe(response.body.length);
    expect(response.headers['content-disposition']).toBe('attachment; filename="demo-kit.tar.gz"');
    expect(response.headers['cache-control']).toBe('no-cache');
    const source = spawnSync('tar', ['-xzO', 'demo-kit/bpf/kit.source'], { input: response.body, encoding: 'utf8' });
    expect(source.stdout).toBe('KIT_MIRROR=http://vm-facing.example:8080/kit/artefacts\n');
  });

  it('artefacts/NAME: the pinned bytes, their length and sha256', async () => {
    const response = await fetch(`${base}/kit/artefacts/fetched.bin`);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(ARTEFACT)).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(Number(response.headers.get('content-length'))).toBe(ARTEFACT.length);
    expect(response.headers.get('x-kit-sha256')).toBe(sha256(ARTEFACT));
    expect(response.headers.get('repr-digest')).toBe(`sha-256=:${createHash('sha256').update(ARTEFACT).digest('base64')}:`);
  });

  it('artefacts/NAME: 404 with the reason for a name not in the lock, not pinned or not fetched; 400 for what is not a name', async () => {
    const refusal = async (name: string) => {
      const response = await get(`/kit/artefacts/${name}`);
      return { status: response.status, body: JSON.parse(response.body.toString()) as { message: string; error: { code: string } } };
    };
    expect(await refusal('later.bin')).toEqual({
      status: 404,
      body: {
        statusCode: 404,
        message: 'later.bin is not on this Navigator yet: the navigator has not run `navigator kit fetch`.',
        error: { code: 'kit.not_fetched', values: { name: 'later.bin' } },
      },
    });
    expect(await refusal('open.bin')).toMatchObject({ status: 404, body: { error: { code: 'kit.unpinned' } } });
    expect(await refusal('other.bin')).toMatchObject({ status: 404, body: { error: { code: 'kit.unknown_artefact' } } });
    expect(await refusal('..%2Fnavigator.db')).toMatchObject({ status: 400, body: { error: { code: 'kit.bad_name' } } });
    expect(await refusal('%2E%2E')).toMatchObject({ status: 400, body: { error: { code: 'kit.bad_name' } } });
  });

  it('the index: every artefact, pinned or not, fetched or not', async () => {
    const index = (await (await fetch(`${base}/kit/`)).json()) as KitIndexView;
    expect(index).toEqual({
      workshop: 'demo',
      archive: `${base}/kit/kit.tar.gz`,
      directory: 'demo-kit',
      mirror: `${base}/kit/artefacts`,
      artefacts: [
        { name: 'fetched.bin', sha256: sha256(ARTEFACT), fetched: true, size: ARTEFACT.length, sources: ['https://example.org/a'] },
        { name: 'later.bin', sha256: 'c'.repeat(64), fetched: false, size: null, sources: ['https://example.org/b'] },
        { name: 'open.bin', sha256: null, fetched: false, size: null, sources: ['https://example.org/c'] },
      ],
    });
  });
});
