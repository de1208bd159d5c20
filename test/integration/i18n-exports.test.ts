import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import exportMessages from '../../server/src/contract/i18n/exports';
import type { Locale } from '../../server/src/contract/i18n/locales';
import type { NoteAck } from '../../server/src/contract/events';
import type { RunSummaryView } from '../../server/src/contract/retrospective';
import { registerAttendees, TestClient } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

/**
 * Issue 18: the room's language and the exports in it. Only the navigator sets the room's language; it is kept
 * across a restart and into the next run; the projector hears it live. The files for reading come in `?lang=`,
 * else the room's language, else English: a CSV with a byte-order mark and Japanese headers, Markdown in
 * Japanese, and Japanese names and notes exactly as they were written.
 */
const ja = exportMessages.ja;
const NAMES = ['山田 太郎', '佐藤 花子'];
const NOTE = 'eBPF で遅い SQL を追跡する（本番環境でも安全に）';

let navigator: TestNavigator;
type LanguageClient = TestClient & { languages: (Locale | null)[] };
let board: LanguageClient;
let writer: LanguageClient;
const clients: TestClient[] = [];

/** A socket that remembers the room languages it was told. */
function client(view: 'board' | 'projector' | 'attendee', cookie: string): LanguageClient {
  const opened = Object.assign(new TestClient(navigator.url, view, cookie), { languages: [] as (Locale | null)[] });
  opened.socket.on('room:language', (language) => opened.languages.push(language));
  clients.push(opened);
  return opened;
}

async function download(path: string): Promise<{ status: number; bytes: Buffer; text: string; type: string | null }> {
  const response = await fetch(navigator.url + path, { headers: { authorization: `Bearer ${navigator.navigatorToken}` } });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, bytes, text: bytes.toString('utf8'), type: response.headers.get('content-type') };
}

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  const [yamada] = await registerAttendees(navigator.request, navigator.joinUrl, NAMES);
  board = client('board', `navigator_navigator=${navigator.navigatorToken}`);
  writer = client('attendee', `navigator_attendee=${yamada.token}`);
  await board.until('board snapshot', (c) => c.discussion);
  await writer.until('attendee snapshot', (c) => c.discussion);
  expect(await board.socket.emitWithAck('discussion:form', { by: 'count', n: 1, strategy: 'random' })).toEqual({ ok: true });
  const groupId = await writer.until('my group', (c) => c.discussion!.myGroupId);
  const ack = (await writer.socket.emitWithAck('note:create', { groupId, text: NOTE })) as NoteAck;
  expect(ack.ok).toBe(true);
});

afterAll(async () => {
  clients.forEach((c) => c.close());
  await navigator?.stop();
});

describe('the room language', () => {
  it('is not set at first: boards and projectors hear null', async () => {
    const projector = client('projector', `navigator_projector=${navigator.projectorToken}`);
    await projector.until('room language', () => projector.languages.length > 0);
    expect(projector.languages).toEqual([null]);
    expect(board.languages).toEqual([null]);
    projector.close();
  });

  it('only the navigator sets it: a helper, the projector and an attendee are refused, and nothing changes', async () => {
    const created = await navigator.request('POST', '/api/helpers', { token: navigator.navigatorToken, body: { name: 'Sam' } });
    expect(created.status).toBe(201);
    const helperToken = (created.body as { link: string }).link.split('/').pop()!;
    const helper = client('board', `navigator_helper=${helperToken}`);
    const projector = client('projector', `navigator_projector=${navigator.projectorToken}`);
    await helper.until('helper snapshot', () => helper.languages.length > 0);
    await projector.until('projector snapshot', () => projector.languages.length > 0);
    for (const someone of [helper, projector, writer]) {
      const answer = await someone.socket
        .timeout(2000)
        .emitWithAck('room:set-language', { language: 'ja' })
        .catch(() => ({ ok: false, error: 'no answer' }));
      expect(answer.ok).toBe(false);
    }
    expect(await board.socket.emitWithAck('room:set-language', { language: 'fr' as Locale })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/language/),
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(projector.languages).toEqual([null]);
    expect((await download('/api/export/discussion.md')).text).toContain('Members:');
    helper.close();
    projector.close();
  });

  it('the navigator sets it: every projector hears it live', async () => {
    const projector = client('projector', `navigator_projector=${navigator.projectorToken}`);
    await projector.until('projector snapshot', () => projector.languages.length > 0);
    expect(await board.socket.emitWithAck('room:set-language', { language: 'ja' })).toEqual({ ok: true });
    await projector.until('ja', () => projector.languages.at(-1) === 'ja');
    await board.until('ja on the board', () => board.languages.at(-1) === 'ja');
    projector.close();
  });
});

describe('exports in Japanese', () => {
  it('the CSV: UTF-8 with a byte-order mark, Japanese headers, Japanese names intact', async () => {
    const csv = await download('/api/export/progress.csv?lang=ja');
    expect(csv.status).toBe(200);
    expect(csv.type).toBe('text/csv; charset=utf-8');
    expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.text.slice(1).split('\r\n');
    expect(lines[0]).toBe([ja['exports.csv.attendee'], ja['exports.csv.step'], ja['exports.csv.firstDoneAt'], ja['exports.csv.minutesSpent']].join(','));
    expect(lines[0]).toBe('参加者,ステップ,初回完了日時,所要時間（分）');
    for (const name of NAMES) expect(lines.filter((line) => line.startsWith(`${name},`))).toHaveLength(3);
  });

  it('the discussion Markdown: Japanese words, the Japanese note and its author as written', async () => {
    const markdown = (await download('/api/export/discussion.md?lang=ja')).text;
    expect(markdown).toMatch(/^# Test workshop：ディスカッション\n/);
    expect(markdown).toMatch(/^メンバー：(山田 太郎、佐藤 花子|佐藤 花子、山田 太郎)$/m);
    for (const name of NAMES) expect(markdown).toContain(name);
    expect(markdown).toContain(`- ${NOTE}（${NAMES[0]}）`);
    expect(markdown).not.toContain('Members');
  });

  it('without ?lang= the room language decides; ?lang=en still gets English', async () => {
    expect((await download('/api/export/discussion.md')).text).toContain('メンバー：');
    expect((await download('/api/export/progress.csv')).text.split('\r\n')[0]).toBe('\ufeff参加者,ステップ,初回完了日時,所要時間（分）');
    const english = await download('/api/export/discussion.md?lang=en');
    expect(english.text).toContain('# Test workshop: discussion');
    expect(english.text).toContain(`- ${NOTE} (${NAMES[0]})`);
    expect((await download('/api/export/progress.csv?lang=en')).text.split('\r\n')[0]).toBe('\ufeffattendee,step,first done at,minutes spent');
    // Not a language Navigator speaks: the room's.
    expect((await download('/api/export/discussion.md?lang=xx')).text).toContain('メンバー：');
  });

  it('the retrospective Markdown and HTML of the run: Japanese, names and the note intact', async () => {
    const runs = (await navigator.request('GET', '/api/runs', { token: navigator.navigatorToken })).body as RunSummaryView[];
    const runId = runs[0].id;
    const markdown = (await download(`/api/runs/${runId}/retrospective.md?lang=ja`)).text;
    expect(markdown).toContain(`# Test workshop：第1回のふりかえり`);
    for (const heading of [
      'まず直すべき点',
      'ステップ：計画と実測',
      'つまずいたところ',
      '接続できなかった VM',
      '挙手',
      '時間ごとの会場の様子',
      'ディスカッション',
    ])
      expect(markdown).toContain(`## ${heading}`);
    expect(markdown).toContain(`- ${NOTE}（${NAMES[0]}）`);
    for (const name of NAMES) expect(markdown).toContain(name);
    expect((await download(`/api/runs/${runId}/retrospective.md`)).text).toContain('## まず直すべき点');
    expect((await download(`/api/runs/${runId}/retrospective.md?lang=en`)).text).toContain('## Fix first');
    // The report bundle the HTML file inlines is built by `npm run build`.
    const html = await download(`/api/runs/${runId}/retrospective.html?lang=ja`);
    expect(html.status).toBe(200);
    expect(html.text).toContain('<html lang="ja">');
    expect(html.text).toContain('<title>Test workshop：第1回のふりかえり</title>');
    expect(html.text).toContain(NOTE);
  });
});

describe('the room language lasts', () => {
  it('into the next run, and across a restart', async () => {
    const started = await navigator.request('POST', '/api/runs', { token: navigator.navigatorToken });
    expect(started.status).toBe(201);
    expect((await download('/api/export/discussion.md')).text).toContain('：ディスカッション');
    const dataDir = navigator.dataDir;
    clients.forEach((c) => c.close());
    await navigator.stop();
    navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' }, dataDir);
    const projector = client('projector', `navigator_projector=${navigator.projectorToken}`);
    await projector.until('room language after a restart', () => projector.languages.length > 0);
    expect(projector.languages).toEqual(['ja']);
  });
});
