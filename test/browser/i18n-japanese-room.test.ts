/**
 * A Japanese room, end to end (#18): an attendee whose browser asks for Japanese registers on the
 * default workshop (checks/ebpf-php.yaml) with a real sshd, reads the step's hint and a failing
 * check's reason in Japanese, writes a Japanese note in the closing discussion, and the navigator's
 * exports in Japanese carry the name and the note intact. Real sshd, real Chromium.
 */
import path from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Coded } from '../../server/src/contract/i18n/coded';
import { pickText } from '../../server/src/contract/i18n/locales';
import reasons from '../../server/src/contract/i18n/reasons';
import type { SelfView } from '../../server/src/contract/views';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';
import discussion from '../../web/src/i18n/messages/discussion';
import { launchChromium, screenshotPath } from '../support/browser';
import { TestClient } from '../support/clients';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

const WORKSHOP_FILE = path.join(REPO_ROOT, 'checks/ebpf-php.yaml');
const NAME = '山田 花子';
const NOTE = '本番の PHP-FPM で USDT を有効にすると、遅いリクエストの原因がすぐ分かりそうです。';
const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;

let navigator: TestNavigator;
let sshd: TestSshd;
let user: TestUser;
let browser: Browser;
let board: TestClient;

beforeAll(async () => {
  removeStaleTestUsers();
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true', NAVIGATOR_WORKSHOP_FILE: WORKSHOP_FILE });
  sshd = await startSshd();
  user = createTestUser('navtja');
  browser = await launchChromium();
  board = new TestClient(navigator.url, 'board', `navigator_navigator=${navigator.navigatorToken}`);
  await board.until('board snapshot', (c) => c.discussion);
});

afterAll(async () => {
  board?.close();
  await browser?.close();
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
});

/** What the page says for a reason the server sent, as Japanese text without its Markdown. */
function japaneseReason(reason: Coded): string {
  const message = reasons.ja[`reasons.${reason.code}` as keyof typeof reasons.ja];
  return String(new IntlMessageFormat(message, 'ja', undefined, { ignoreTag: true }).format(reason.values)).replace(/`/g, '');
}

const squeeze = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim();

async function me(page: Page): Promise<SelfView> {
  return page.evaluate(async () => (await (await fetch('/api/me')).json()) as SelfView);
}

describe('a Japanese attendee, from the join page to the exports', () => {
  let page: Page;

  it('registers with a Japanese name, connects, and reads the hint and a failing check in Japanese', async () => {
    page = await (await browser.newContext({ locale: 'ja-JP', viewport: { width: 390, height: 844 } })).newPage();
    await page.goto(navigator.joinUrl);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ja');
    await page.locator('input[name="displayName"]').fill(NAME);
    await page.locator('input[name="host"]').fill('127.0.0.1');
    await page.locator('input[name="port"]').fill(String(sshd.port));
    await page.locator('input[name="sshUser"]').fill(user.name);
    await page.locator('form button[type="submit"]').click();
    await page.waitForURL(/\/me$/);

    const vm = page.getByTestId('vm');
    await expect.poll(() => vm.locator('[data-state]').getAttribute('data-reason'), { timeout: 20_000 }).toBe('auth_rejected');
    await vm.locator('details summary').click();
    const line = (await vm.locator('details pre').first().textContent()) ?? '';
    sshd.setAuthorizedKeys(user.name, [/'([^']+)'/.exec(line)![1]]);
    await expect.poll(() => vm.locator('[data-state]').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected');

    // The first step's checks run on this VM, which has no kit: one of them does not pass, with a reason.
    const current = page.getByTestId('current-step');
    const notPassing = current.locator('[data-check][data-status="fail"], [data-check][data-status="error"]').first();
    await notPassing.waitFor({ timeout: 30_000 });
    const checkId = (await notPassing.getAttribute('data-check'))!;
    const self = await me(page);
    const reason = self.checks[checkId]?.reason;
    expect(reason && typeof reason === 'object', `check ${checkId} has a coded reason`).toBe(true);
    const said = japaneseReason(reason as Coded);
    expect(squeeze(await current.locator(`[data-check="${checkId}"]`).textContent())).toContain(squeeze(said));

    const definition = loadWorkshopFile(WORKSHOP_FILE).definition;
    const step = definition.steps.find((s) => s.id === self.progress.currentStepId)!;
    const hint = squeeze(await current.locator('.hint').textContent());
    expect(hint).toMatch(JAPANESE);
    expect(hint).toContain(squeeze(pickText(step.hint, 'ja').split('\n')[0]).slice(0, 20));
    expect(squeeze(await current.locator('h3').textContent())).toContain(pickText(step.title, 'ja'));
    await page.screenshot({ path: screenshotPath('i18n-japanese-room-attendee-phone'), fullPage: true });
  });

  it('writes a Japanese note in the discussion, and the exports in Japanese carry it and the name intact', async () => {
    expect(await board.socket.emitWithAck('discussion:form', { by: 'count', n: 1, strategy: 'random' })).toEqual({ ok: true });
    const newNote = page.getByRole('textbox', { name: /の新しいメモ$/ });
    await newNote.waitFor({ timeout: 20_000 });
    await newNote.fill(NOTE);
    await page.getByRole('button', { name: discussion.ja['discussion.notes.add'] }).click();
    await page.getByText(NOTE).waitFor();
    await page.screenshot({ path: screenshotPath('i18n-japanese-room-note-phone'), fullPage: true });

    const markdown = await navigator.request('GET', '/api/export/discussion.md?lang=ja', { token: navigator.navigatorToken });
    expect(markdown.status).toBe(200);
    const text = String(markdown.body);
    expect(text).toContain(NOTE);
    expect(text).toContain(NAME);
    expect(text.split('\n')[0]).toMatch(JAPANESE);

    const csv = await fetch(`${navigator.url}/api/export/progress.csv?lang=ja`, { headers: { authorization: `Bearer ${navigator.navigatorToken}` } });
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)], 'a UTF-8 byte-order mark').toEqual([0xef, 0xbb, 0xbf]);
    const rows = bytes.subarray(3).toString('utf8').split('\n');
    expect(rows[0]).toMatch(JAPANESE);
    expect(rows.some((row) => row.includes(NAME))).toBe(true);
  });
});
