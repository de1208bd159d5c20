/**
 * Item 11: impersonation and hidden text in what people type, against the real server: one rule for
 * names, notes and help messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, NoteAck } from '../../server/src/contract/events';
import { registerAttendees, TestClient } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
});

afterAll(async () => {
  await navigator?.stop();
});

const joinPath = () => new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
const register = (displayName: string) => navigator.request('POST', joinPath(), { body: { displayName, host: '127.0.0.1', port: 9, sshUser: 'navt' } });

describe('11. one text rule for every human-entered string', () => {
  it.each([
    ['Navigator', /reserved/],
    ['NAVIGATOR', /reserved/],
    ['Nаvigаtor', /reserved/], // Cyrillic а
    ['Ｎａｖｉｇａｔｏｒ', /reserved/], // full width
    ['Ada\u202Eevil', /control|direction/],
    ['Ada\u200Bx', /invisible/],
    [`Zalgo${'\u0301'.repeat(50)}`, /accents/],
  ])('refuses the name %j', async (name, why) => {
    const response = await register(name);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toMatch(why);
  });

  it('a duplicate name gets a visible suffix; names are stored NFC', async () => {
    const first = await register('Ada');
    const second = await register('Аda'); // Cyrillic А: reads the same
    const third = await register('Ada');
    const decomposed = await register('Jose\u0301');
    expect([first, second, third].map((r) => (r.body as { attendee: { displayName: string } }).attendee.displayName)).toEqual(['Ada', 'Аda (2)', 'Ada (3)']);
    expect((decomposed.body as { attendee: { displayName: string } }).attendee.displayName).toBe('Jos\u00e9');
  });

  it('help messages and notes refuse what names refuse', async () => {
    const [grace] = await registerAttendees(navigator.request.bind(navigator), navigator.joinUrl, ['Grace']);
    const client = new TestClient(navigator.url, 'attendee', `navigator_attendee=${grace.token}`);
    const board = new TestClient(navigator.url, 'board', `navigator_navigator=${navigator.navigatorToken}`);
    try {
      await client.until('snapshot', (c) => c.discussion);
      await board.until('snapshot', (c) => c.discussion);
      const hand = (await client.socket.emitWithAck('help:raise', { message: 'help \u202Eme' })) as Ack;
      expect(hand).toMatchObject({ ok: false });
      expect(await board.socket.emitWithAck('discussion:form', { by: 'count', n: 1, strategy: 'random' })).toEqual({ ok: true });
      const groupId = await client.until('group', (c) => c.discussion!.myGroupId);
      const note = (await client.socket.emitWithAck('note:create', { groupId, text: 'fine\u200B text' })) as NoteAck;
      expect(note).toMatchObject({ ok: false });
    } finally {
      client.close();
      board.close();
    }
  });
});
