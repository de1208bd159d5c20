import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NoteAck } from '../../server/src/contract/events';
import { CLOSED_PORT, TestClient } from '../support/clients';
import { REPO_ROOT } from '../support/navigator';
import { ServerProcess } from '../support/server-process';
import { freePort } from '../support/sshd';

const KILLS = 20;
const NOTES_BEFORE_KILL = 4;
let server: ServerProcess;

afterAll(async () => server?.kill());

describe('durability of acknowledged notes', () => {
  it(`every acknowledged note survives ${KILLS} SIGKILLs at random moments`, async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, 'dist/server/main.js'))) throw new Error('build first: npm run build');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-crash-'));
    server = new ServerProcess({
      NAVIGATOR_PORT: String(await freePort()),
      NAVIGATOR_DATA_DIR: dataDir,
      NAVIGATOR_WORKSHOP_FILE: path.join(REPO_ROOT, 'test/fixtures/workshop.yaml'),
      NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true',
    });
    await server.start();
    const { navigatorToken, joinPath } = server.links();
    // Four writers in four groups, taking turns, so no group reaches its 200-note limit.
    const writerTokens: string[] = [];
    for (let i = 0; i < 4; i++) {
      const registered = await fetch(server.url + joinPath, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ displayName: `Writer ${i}`, host: '127.0.0.1', port: CLOSED_PORT, sshUser: `writer${i}` }),
      });
      writerTokens.push(((await registered.json()) as { personalPath: string }).personalPath.split('/').pop()!);
    }
    const board = new TestClient(server.url, 'board', `navigator_navigator=${navigatorToken}`);
    expect(await board.socket.emitWithAck('discussion:form', { by: 'count', n: 4, strategy: 'random' })).toEqual({ ok: true });
    board.close();

    const acknowledged: string[] = [];
    let sent = 0;
    for (let round = 0; round < KILLS; round++) {
      const writer = new TestClient(server.url, 'attendee', `navigator_attendee=${writerTokens[round % writerTokens.length]}`);
      const groupId = await writer.until('my group', (c) => c.discussion?.myGroupId, 10_000);
      let writing = true;
      let ackedThisRound = 0;
      let enoughThisRound = () => undefined as void;
      const enough = new Promise<void>((resolve) => (enoughThisRound = resolve));
      const loop = (async () => {
        while (writing) {
          const text = `note ${round}-${sent++}`;
          const ack = (await writer.socket
            .timeout(2000)
            .emitWithAck('note:create', { groupId, text })
            .catch(() => null)) as NoteAck | null;
          if (ack?.ok) {
            acknowledged.push(text);
            if (++ackedThisRound === NOTES_BEFORE_KILL) enoughThisRound();
            await new Promise((r) => setTimeout(r, 10));
          } else if (ack && !ack.ok) throw new Error(`refused: ${ack.error}`);
          else return; // no ack: the server died mid-write; the note may or may not exist, and was never promised
        }
      })();
      // A few notes in every round whatever the machine's speed, then the kill at a random moment.
      await Promise.race([enough, loop]);
      await new Promise((r) => setTimeout(r, Math.random() * 300));
      await server.kill();
      writing = false;
      await loop;
      writer.close();
      await server.start();
    }

    const exported = (await (await fetch(`${server.url}/api/export/discussion.json`, { headers: { authorization: `Bearer ${navigatorToken}` } })).json()) as {
      groups: { notes: { text: string }[] }[];
    };
    const stored = new Set(exported.groups.flatMap((g) => g.notes.map((n) => n.text)));
    const lost = acknowledged.filter((text) => !stored.has(text));
    expect(acknowledged.length).toBeGreaterThan(KILLS * 3);
    expect(lost).toEqual([]);
  });
});
