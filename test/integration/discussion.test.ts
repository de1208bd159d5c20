import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NoteAck } from '../../server/src/contract/events';
import { registerAttendees, TestClient } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;
let board: TestClient;
let attendees: { id: string; name: string; token: string; client: TestClient }[] = [];

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  const registered = await registerAttendees(navigator.request, navigator.joinUrl, ['Ada', 'Grace', 'Linus', 'Margaret', 'Dennis', 'Barbara']);
  board = new TestClient(navigator.url, 'board', `navigator_navigator=${navigator.navigatorToken}`);
  attendees = registered.map((a) => ({ ...a, client: new TestClient(navigator.url, 'attendee', `navigator_attendee=${a.token}`) }));
  await board.until('board snapshot', (c) => c.discussion);
  for (const a of attendees) await a.client.until('attendee snapshot', (c) => c.discussion);
});

afterAll(async () => {
  board?.close();
  attendees.forEach((a) => a.client.close());
  await navigator?.stop();
});

const groupOf = (attendeeId: string) => board.discussion!.groups.find((g) => g.members.some((m) => m.id === attendeeId))!;

describe('the discussion board over sockets', () => {
  it('forms two groups of three from the attendee list', async () => {
    expect(await board.socket.emitWithAck('discussion:form', { by: 'count', n: 2, strategy: 'random' })).toEqual({ ok: true });
    await board.until('two groups', (c) => c.discussion!.groups.length === 2);
    expect(board.discussion!.groups.map((g) => g.members.length)).toEqual([3, 3]);
    for (const a of attendees) await a.client.until('my group', (c) => c.discussion!.myGroupId === groupOf(a.id).id);
  });

  it('a note appears live for the group and the navigator, and nobody else can read it', async () => {
    const writer = attendees[0];
    const group = groupOf(writer.id);
    const ack = (await writer.client.socket.emitWithAck('note:create', { groupId: group.id, text: 'Trace slow Laravel routes in production' })) as NoteAck;
    expect(ack.ok).toBe(true);
    const mates = attendees.filter((a) => groupOf(a.id).id === group.id);
    const others = attendees.filter((a) => groupOf(a.id).id !== group.id);
    for (const mate of mates) {
      await mate.client.until('note at a group member', (c) =>
        c.discussion!.groups.find((g) => g.id === group.id)!.notes?.some((n) => n.text.startsWith('Trace slow')),
      );
    }
    await board.until('note at the navigator', (c) => c.discussion!.groups.find((g) => g.id === group.id)!.notes?.length === 1);
    for (const other of others) {
      await other.client.until('an update', (c) => c.discussionUpdates > 1);
      expect(other.client.discussion!.groups.find((g) => g.id === group.id)!.notes).toBeNull();
      expect(JSON.stringify(other.client.discussion)).not.toContain('Trace slow');
      const intrusion = (await other.client.socket.emitWithAck('note:create', { groupId: group.id, text: 'not my group' })) as NoteAck;
      expect(intrusion).toEqual({ ok: false, error: 'you can only write in your own group', coded: { code: 'note.own_group_only' } });
      if (ack.ok) {
        const edit = (await other.client.socket.emitWithAck('note:update', { noteId: ack.note.id, text: 'vandalised', version: 1 })) as NoteAck;
        expect(edit.ok).toBe(false);
      }
    }
  });

  it('two people editing the same note: one saves, the other gets both texts back; nothing is lost', async () => {
    const writer = attendees[0];
    const group = groupOf(writer.id);
    const created = (await writer.client.socket.emitWithAck('note:create', { groupId: group.id, text: 'draft' })) as NoteAck;
    if (!created.ok) throw new Error(created.error);
    const [first, second] = (await Promise.all([
      writer.client.socket.emitWithAck('note:update', { noteId: created.note.id, text: 'version from the author', version: created.note.version }),
      board.socket.emitWithAck('note:update', { noteId: created.note.id, text: 'version from the navigator', version: created.note.version }),
    ])) as NoteAck[];
    const winner = [first, second].find((r) => r.ok);
    const loser = [first, second].find((r) => !r.ok);
    expect(winner).toBeDefined();
    expect(loser).toBeDefined();
    if (!winner?.ok || loser?.ok !== false) throw new Error('expected one save and one conflict');
    expect(loser.conflict?.current?.text).toBe(winner.note.text);
    expect(loser.conflict?.yours).not.toBe(winner.note.text);
    expect([winner.note.text, loser.conflict!.yours].sort()).toEqual(['version from the author', 'version from the navigator']);
  });

  it('refuses bad input with a clear message and shows markup as text', async () => {
    const writer = attendees[0];
    const groupId = groupOf(writer.id).id;
    const send = (payload: unknown) => writer.client.socket.emitWithAck('note:create', payload as { groupId: string; text: string }) as Promise<NoteAck>;
    // The English sentence for scripts, the code with its values for pages in the reader's language.
    expect(await send({ groupId, text: 'x'.repeat(5000) })).toEqual({
      ok: false,
      error: 'a note is at most 1000 characters (this one has 5000)',
      coded: { code: 'note.too_long', values: { max: 1000, length: 5000 } },
    });
    expect(await send({ groupId, text: 'ring\u0007' })).toMatchObject({ ok: false, coded: { code: 'note.control' } });
    expect(await send({ groupId: 'no-such-group', text: 'hello' })).toMatchObject({ ok: false, coded: { code: 'note.unknown_group' } });
    expect(await send({ groupId, text: { $ne: '' } })).toEqual({
      ok: false,
      error: 'invalid payload (text: a note is text)',
      coded: { code: 'request.invalid_payload', values: { fields: 'text: a note is text' } },
    });
    expect(await send({ groupId, text: 'hello', authorName: 'Navigator' })).toMatchObject({
      ok: false,
      error: 'invalid payload (authorName: this field is not expected here)',
    });
    const script = await send({ groupId, text: '<script>alert(1)</script>' });
    expect(script.ok && script.note.text).toBe('<script>alert(1)</script>');
    const navigatorOnly = (await attendees[1].client.socket
      .timeout(1000)
      .emitWithAck('discussion:form', { by: 'count', n: 1, strategy: 'random' })
      .catch(() => 'refused')) as unknown;
    expect(navigatorOnly).not.toEqual({ ok: true });
  });

  it('exports every note as Markdown and JSON', async () => {
    const markdown = (await navigator.request('GET', '/api/export/discussion.md', { token: navigator.navigatorToken })).body as string;
    const json = (await navigator.request('GET', '/api/export/discussion.json', { token: navigator.navigatorToken })).body as {
      groups: { notes: { text: string }[] }[];
    };
    const notes = board.discussion!.groups.flatMap((g) => g.notes ?? []);
    expect(notes.length).toBeGreaterThanOrEqual(3);
    for (const note of notes) {
      expect(markdown).toContain(note.text.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
      expect(JSON.stringify(json)).toContain(JSON.stringify(note.text).slice(1, -1));
    }
    expect((await navigator.request('GET', '/api/export/discussion.md', { token: attendees[0].token })).status).toBe(401);
    const csv = (await navigator.request('GET', '/api/export/progress.csv', { token: navigator.navigatorToken })).body as string;
    expect(csv.split('\r\n')[0]).toBe('attendee,step,first done at,minutes spent');
    expect(csv.split('\r\n').filter(Boolean).length).toBe(1 + 6 * 3);
  });

  it('runs the timers and the presentation order', async () => {
    expect(await board.socket.emitWithAck('discussion:timer', { kind: 'discussion', action: 'reset', minutes: 10 })).toEqual({ ok: true });
    expect(await board.socket.emitWithAck('discussion:timer', { kind: 'discussion', action: 'start' })).toEqual({ ok: true });
    const timer = await attendees[3].client.until('running timer', (c) =>
      c.discussion!.timers.discussion.running ? c.discussion!.timers.discussion : undefined,
    );
    expect(timer.remainingMs).toBeGreaterThan(9 * 60_000);
    expect(await board.socket.emitWithAck('discussion:order', { action: 'shuffle' })).toEqual({ ok: true });
    expect(await board.socket.emitWithAck('discussion:present', { action: 'next' })).toEqual({ ok: true });
    const presenting = await board.until('presenting', (c) => c.discussion!.presentingGroupId);
    const ordered = [...board.discussion!.groups].sort((a, b) => a.position - b.position);
    expect(presenting).toBe(ordered[0].id);
    expect(board.discussion!.upNextGroupId).toBe(ordered[1].id);
    expect(board.discussion!.timers.presenter.running).toBe(true);
  });
});
