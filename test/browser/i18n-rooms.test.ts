import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetrospectiveView, RunSummaryView } from '../../server/src/contract/retrospective';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';
import discussionMessages from '../../web/src/i18n/messages/discussion';
import projectorMessages from '../../web/src/i18n/messages/projector';
import retroMessages from '../../web/src/i18n/messages/retro';
import { launchChromium, screenshotPath } from '../support/browser';
import { registerAttendees, TestClient } from '../support/clients';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';
import { untranslatedTexts, useLanguage } from '../support/visible-text';

/**
 * Issue 18 for the room's pages: the projector follows the language the navigator set (a reader's own choice on
 * that screen wins), with Japanese names readable at 1920×1080; the discussion board, the runs, a retrospective,
 * its HTML file and two runs compared, in Japanese; and in the pseudo-language, nothing on them that did not
 * come from the message files.
 */
const P = projectorMessages.ja;
const D = discussionMessages.ja;
const R = retroMessages.ja;
const NAMES = ['山田 太郎', '佐藤 花子', '鈴木 一郎', '高橋 美咲', '田中 健太', '渡辺 さくら'];
const NOTE = 'eBPF で遅い SQL を追跡できた。本番でも使えそう！';

let navigator: TestNavigator;
let browser: Browser;
let board: TestClient;
/** Every text of the workshop file: data, shown as the file has it. */
let workshopTexts: string[] = [];
/** What the pages show that is data, not a message: names, the workshop's texts, the product's name in the title. */
let data: string[] = [];

function stringsIn(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) value.forEach((v) => stringsIn(v, into));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => stringsIn(v, into));
  return into;
}

const fill = (message: string, values: Record<string, string | number>) => message.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name]));

async function signedIn(viewport: { width: number; height: number }, language?: 'en' | 'ja' | 'qps'): Promise<Page> {
  const context = await browser.newContext({ viewport });
  await context.addCookies([{ name: 'navigator_navigator', value: navigator.navigatorToken, url: navigator.url }]);
  const page = await context.newPage();
  if (language) await useLanguage(page, language);
  return page;
}

async function projectorPage(viewport: { width: number; height: number }, language?: 'en' | 'ja' | 'qps'): Promise<Page> {
  const page = await (await browser.newContext({ viewport })).newPage();
  if (language) await useLanguage(page, language);
  await page.goto(navigator.projectorUrl);
  await page
    .locator('[data-person]')
    .nth(NAMES.length - 1)
    .waitFor();
  return page;
}

async function noOverflow(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
}

async function chartsDrawn(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const charts = Array.from(document.querySelectorAll<HTMLElement>('[data-chart]'));
    return charts.length > 0 && charts.every((chart) => chart.dataset.drawn === 'true');
  });
}

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  workshopTexts = stringsIn(loadWorkshopFile(path.join(REPO_ROOT, 'test/fixtures/workshop.yaml')).definition);
  await registerAttendees(navigator.request, navigator.joinUrl, NAMES);
  board = new TestClient(navigator.url, 'board', `navigator_navigator=${navigator.navigatorToken}`);
  await board.until('board snapshot', (c) => c.discussion);
  data = [...NAMES, ...workshopTexts, 'Navigator'];
  browser = await launchChromium();
});

afterAll(async () => {
  board?.close();
  await browser?.close();
  await navigator?.stop();
});

describe('the projector in the room language', () => {
  it('in the pseudo-language before the clock starts: every text from the message files', async () => {
    const page = await projectorPage({ width: 1920, height: 1080 }, 'qps');
    await page.getByAltText(/⟦/).waitFor();
    expect(await untranslatedTexts(page, data)).toEqual([]);
    await page.context().close();
  });

  it('follows the language the navigator sets on the board, live; Japanese names readable from the back of the room', async () => {
    const navigatorBoard = await signedIn({ width: 1440, height: 900 });
    await navigatorBoard.goto(`${navigator.url}/board`);
    const picker = navigatorBoard.getByTestId('projector-language');
    await picker.waitFor();
    expect(await picker.inputValue()).toBe('');
    await picker.selectOption('ja');
    await expect.poll(() => picker.inputValue()).toBe('ja');
    await navigatorBoard.screenshot({ path: screenshotPath('i18n-board-projector-language-1440') });
    // The browser reads English; nobody picked a language on this screen: the room's language wins.
    const page = await projectorPage({ width: 1920, height: 1080 });
    await page.getByRole('button', { name: P['projector.hideNames'] }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ja');
    expect(await page.getByAltText(P['projector.qrAlt']).count()).toBe(1);
    await page.screenshot({ path: screenshotPath('i18n-projector-ja-join-1920') });

    expect(await board.socket.emitWithAck('clock:control', { action: 'start' })).toEqual({ ok: true });
    await page.getByTestId('projector-pace').waitFor();
    expect(await page.getByTestId('projector-pace').textContent()).toBe(P['projector.pace.onPace']);
    expect(await page.locator('[data-column="not-connected"] .label').textContent()).toBe(P['projector.histogram.notConnected']);
    expect(await page.getByTestId('histogram').getAttribute('aria-label')).toBe(P['projector.histogram.label']);

    // Every name whole, at least 20 px, in the page's stack with its Japanese font.
    const names = await page.locator('[data-person] .who').evaluateAll((elements) =>
      elements.map((element) => ({
        text: element.textContent,
        size: parseFloat(getComputedStyle(element).fontSize),
        family: getComputedStyle(element).fontFamily,
        clipped: element.scrollWidth > element.clientWidth,
      })),
    );
    expect(names.map((n) => n.text)).toEqual(NAMES);
    for (const name of names) {
      expect(name.size).toBeGreaterThanOrEqual(20);
      expect(name.family).toContain('Noto Sans CJK JP');
      expect(name.clipped).toBe(false);
    }
    const { scrollHeight, innerHeight } = await page.evaluate(() => ({ scrollHeight: document.documentElement.scrollHeight, innerHeight: window.innerHeight }));
    expect(scrollHeight).toBeLessThanOrEqual(innerHeight);
    await page.screenshot({ path: screenshotPath('i18n-projector-ja-1920') });

    // The navigator switches the room to English and back: the screen follows at once.
    await picker.selectOption('en');
    await page.getByRole('button', { name: 'Hide names' }).waitFor();
    await picker.selectOption('ja');
    await page.getByRole('button', { name: P['projector.hideNames'] }).waitFor();
    await page.context().close();
    await navigatorBoard.context().close();
  });

  it('fits a phone and a laptop in Japanese', async () => {
    for (const [width, height] of [
      [390, 844],
      [1280, 800],
    ]) {
      const page = await projectorPage({ width, height });
      await page.getByRole('button', { name: P['projector.hideNames'] }).waitFor();
      await noOverflow(page);
      await page.screenshot({ path: screenshotPath(`i18n-projector-ja-${width}`), fullPage: true });
      await page.context().close();
    }
  });

  it('a language picked on that screen wins over the room language, and is remembered', async () => {
    const page = await projectorPage({ width: 1920, height: 1080 });
    await page.getByRole('button', { name: P['projector.hideNames'] }).waitFor();
    await page.getByTestId('language-picker').selectOption('en');
    await page.getByRole('button', { name: 'Hide names' }).waitFor();
    expect(await board.socket.emitWithAck('room:set-language', { language: 'ja' })).toEqual({ ok: true });
    // A later message on the same socket: once its banner shows, the room's language (sent before it) has been handled.
    const later = 'Room language sent: this screen keeps its own';
    expect(await board.socket.emitWithAck('broadcast:send', { text: later })).toEqual({ ok: true });
    await page.getByTestId('broadcast').filter({ hasText: later }).waitFor();
    expect(await page.getByRole('button', { name: 'Hide names' }).count()).toBe(1);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await board.socket.emitWithAck('broadcast:clear', {})).toEqual({ ok: true });
    await page.getByTestId('broadcast').waitFor({ state: 'detached' });
    await page.reload();
    await page.getByTestId('projector-pace').waitFor();
    expect(await page.getByRole('button', { name: 'Hide names' }).count()).toBe(1);
    expect(await page.getByTestId('projector-pace').textContent()).toBe('on pace');
    await page.context().close();
  });

  it('follows the room language in the navigator’s own browser, whatever language the board there reads', async () => {
    const boardPage = await signedIn({ width: 1280, height: 800 });
    await boardPage.goto(`${navigator.url}/board`);
    await boardPage.getByTestId('language-picker').first().selectOption('en');
    expect(await board.socket.emitWithAck('room:set-language', { language: 'ja' })).toEqual({ ok: true });
    // The projector opened from that board, in the same browser: the board's choice is not the screen's.
    const screen = await boardPage.context().newPage();
    await screen.goto(navigator.projectorUrl);
    await screen.getByRole('button', { name: P['projector.hideNames'] }).waitFor();
    await boardPage.reload();
    expect(await boardPage.evaluate(() => document.documentElement.lang), 'the board keeps its own language').toBe('en');
    await boardPage.context().close();
  });

  it('in the pseudo-language with the clock running: every text from the message files', async () => {
    const page = await projectorPage({ width: 1920, height: 1080 }, 'qps');
    await page.getByTestId('projector-pace').waitFor();
    expect(await untranslatedTexts(page, data)).toEqual([]);
    await page.context().close();
  });
});

describe('the discussion board in Japanese', () => {
  it('before any group: Japanese, and nothing untranslated in the pseudo-language', async () => {
    const page = await signedIn({ width: 1280, height: 900 }, 'ja');
    await page.goto(`${navigator.url}/discussion`);
    await page.getByRole('button', { name: D['discussion.form'] }).waitFor();
    expect(await page.getByText(D['discussion.noGroups']).count()).toBe(1);
    expect(await page.getByRole('link', { name: D['discussion.export.progressCsv'] }).getAttribute('href')).toBe('/api/export/progress.csv?lang=ja');
    await page.context().close();

    const pseudo = await signedIn({ width: 1280, height: 900 }, 'qps');
    await pseudo.goto(`${navigator.url}/discussion`);
    await pseudo.getByRole('button', { name: /⟦/ }).first().waitFor();
    expect(await untranslatedTexts(pseudo, data)).toEqual([]);
    await pseudo.context().close();
  });

  it('forms groups and takes a Japanese note; the picker switches the page and is remembered', async () => {
    const page = await signedIn({ width: 1280, height: 900 }, 'ja');
    await page.goto(`${navigator.url}/discussion`);
    await page.getByLabel(D['discussion.howMany'], { exact: true }).fill('2');
    await page.getByRole('button', { name: D['discussion.form'] }).click();
    await page.locator('section.group').nth(1).waitFor();
    const first = page.locator('section.group').first();
    const group = await first.getAttribute('aria-label');
    // Groups are named in the room's language.
    expect(group).toMatch(/^グループ\d$/);
    await first.getByRole('textbox', { name: fill(D['discussion.notes.newNote'], { group: group! }) }).fill(NOTE);
    await first.getByRole('button', { name: D['discussion.notes.add'] }).click();
    await first.getByText(NOTE).waitFor();
    expect(await first.getByRole('button', { name: D['discussion.notes.editButton'] }).count()).toBe(1);
    // Forming again asks first, in Japanese.
    const dialog = page.waitForEvent('dialog');
    void page.getByRole('button', { name: D['discussion.form'] }).click();
    const asked = await dialog;
    expect(asked.message()).toBe(D['discussion.formConfirm']);
    await asked.dismiss();
    await page.screenshot({ path: screenshotPath('i18n-discussion-ja-1280'), fullPage: true });

    await page.getByTestId('language-picker').selectOption('en');
    await page.getByRole('button', { name: 'Form groups' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Form groups' }).waitFor();
    expect(await page.getByText(NOTE).count()).toBe(1);
    await page.getByTestId('language-picker').selectOption('ja');
    await page.getByRole('button', { name: D['discussion.form'] }).waitFor();
    await page.context().close();

    const phone = await signedIn({ width: 390, height: 844 }, 'ja');
    await phone.goto(`${navigator.url}/discussion`);
    await phone.getByText(NOTE).waitFor();
    await noOverflow(phone);
    await phone.screenshot({ path: screenshotPath('i18n-discussion-ja-390'), fullPage: true });
    await phone.context().close();
  });

  it('with groups, a note and a refused command, in the pseudo-language: every text of the page from the message files', async () => {
    const page = await signedIn({ width: 1280, height: 900 }, 'qps');
    await page.goto(`${navigator.url}/discussion`);
    await page.getByText(NOTE).waitFor();
    const groups = board.discussion!.groups.map((g) => g.name);
    expect(await untranslatedTexts(page, [...data, ...groups, NOTE])).toEqual([]);
    // A refused command shows the server's reason: the server sends it (as a code once the reasons are coded); the rest stays translated.
    page.on('dialog', (dialog) => void dialog.accept());
    await page.locator('input[type="number"]').fill('0');
    await page.locator('button.primary').first().click();
    const reason = ((await page.getByRole('alert').textContent()) ?? '').trim();
    expect(reason).not.toBe('');
    expect((await untranslatedTexts(page, [...data, ...groups, NOTE])).filter((text) => text !== reason)).toEqual([]);
    await page.context().close();
  });

  it('the projector shows the discussion in Japanese', async () => {
    expect(await board.socket.emitWithAck('discussion:present', { action: 'next' })).toEqual({ ok: true });
    const page = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    await page.goto(navigator.projectorUrl);
    await page.getByTestId('projector-discussion').waitFor();
    await expect.poll(() => page.getByTestId('now-presenting').textContent()).not.toBe('—');
    expect(await page.getByText(P['projector.nowPresenting']).count()).toBe(1);
    expect(await page.locator('[data-timer="discussion"] .label').textContent()).toBe(P['projector.timer.discussion']);
    await page.screenshot({ path: screenshotPath('i18n-projector-ja-discussion-1920') });
    await page.context().close();

    const pseudo = await projectorPage({ width: 1920, height: 1080 }, 'qps');
    await pseudo.getByTestId('projector-discussion').waitFor();
    const groups = board.discussion!.groups.map((g) => g.name);
    expect(await untranslatedTexts(pseudo, [...data, ...groups])).toEqual([]);
    await pseudo.context().close();
  });
});

describe('the runs and a retrospective in Japanese', () => {
  let runId = '';
  let retroData: string[] = [];

  it('the runs and the retrospective read in Japanese, fit a phone, and download in Japanese', async () => {
    const runs = (await navigator.request('GET', '/api/runs', { token: navigator.navigatorToken })).body as RunSummaryView[];
    runId = runs[0].id;
    const view = (await navigator.request('GET', `/api/runs/${runId}/retrospective`, { token: navigator.navigatorToken })).body as RetrospectiveView;
    // The retrospective's data: names, notes, group names, the workshop's texts, the reasons VMs were unreachable.
    const reasons = [view.unreachable.byReason, ...view.unreachable.attendees.map((a) => a.byReason)].flatMap((byReason) => Object.keys(byReason));
    retroData = [...data, ...stringsIn(view.discussion), ...stringsIn(view.unreachable), ...stringsIn(view.stuckChecks), ...reasons];

    const page = await signedIn({ width: 1280, height: 900 }, 'ja');
    await page.goto(`${navigator.url}/runs`);
    await page.getByRole('columnheader', { name: R['retro.runs.column.started'] }).waitFor();
    expect(await page.getByTestId('runs').locator('tbody tr').first().textContent()).toContain(R['retro.runs.active']);
    await page.screenshot({ path: screenshotPath('i18n-runs-ja-1280'), fullPage: true });

    await page.goto(`${navigator.url}/runs/${runId}`);
    await chartsDrawn(page);
    expect(await page.locator('#fix-title').textContent()).toBe(R['retro.report.fixFirst']);
    expect(await page.locator('#room-title').textContent()).toBe(R['retro.report.room']);
    expect(await page.getByTestId('attendance').locator('dt').first().textContent()).toBe(R['retro.report.registered']);
    await page.getByTestId('discussion').getByText(NOTE).waitFor();
    for (const name of NAMES) expect(await page.getByTestId('discussion').getByText(name).count()).toBeGreaterThan(0);
    expect(await page.getByTestId('export-html').getAttribute('href')).toBe(`/api/runs/${runId}/retrospective.html?lang=ja`);
    await page.screenshot({ path: screenshotPath('i18n-retrospective-ja-1280'), fullPage: true });

    // The HTML file reads in Japanese wherever it is opened, offline.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-html').click()]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-export-ja-')), download.suggestedFilename());
    await download.saveAs(file);
    await page.context().close();
    expect(fs.readFileSync(file, 'utf8')).toContain('<html lang="ja">');
    const offline = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    const opened = await offline.newPage();
    await opened.goto(`file://${file}`);
    await chartsDrawn(opened);
    expect(await opened.locator('#fix-title').textContent()).toBe(R['retro.report.fixFirst']);
    await opened.getByText(NOTE).waitFor();
    await offline.close();

    const phone = await signedIn({ width: 390, height: 844 }, 'ja');
    await phone.goto(`${navigator.url}/runs/${runId}`);
    await chartsDrawn(phone);
    await noOverflow(phone);
    await phone.screenshot({ path: screenshotPath('i18n-retrospective-ja-390'), fullPage: true });
    await phone.goto(`${navigator.url}/runs`);
    await phone.getByTestId('runs').waitFor();
    await phone.screenshot({ path: screenshotPath('i18n-runs-ja-390'), fullPage: true });
    await phone.context().close();
  });

  it('in the pseudo-language: the runs and the retrospective show nothing that is not a message or data', async () => {
    const page = await signedIn({ width: 1280, height: 900 }, 'qps');
    await page.goto(`${navigator.url}/runs`);
    await page.getByTestId('runs').waitFor();
    expect(await untranslatedTexts(page, retroData)).toEqual([]);
    await page.goto(`${navigator.url}/runs/${runId}`);
    await chartsDrawn(page);
    expect(await untranslatedTexts(page, retroData)).toEqual([]);
    // With the share link shown. Its copy button is the shared CopyBox's (translated with the board).
    await page.locator('nav button.primary').click();
    await page.locator('pre').first().waitFor();
    const shareUrl = ((await page.locator('pre').first().textContent()) ?? '').trim();
    expect((await untranslatedTexts(page, [...retroData, shareUrl])).filter((text) => !['Copy', 'Copied ✓'].includes(text))).toEqual([]);
    await page.context().close();
  });

  it('two runs compared, in Japanese and in the pseudo-language', async () => {
    expect((await navigator.request('POST', '/api/runs', { token: navigator.navigatorToken })).status).toBe(201);
    const runs = (await navigator.request('GET', '/api/runs', { token: navigator.navigatorToken })).body as RunSummaryView[];
    const [b, a] = runs;
    const page = await signedIn({ width: 1280, height: 900 }, 'ja');
    await page.goto(`${navigator.url}/runs`);
    await page.getByRole('button', { name: R['retro.runs.compareButton'] }).click();
    await page.getByTestId('comparison').locator('table').first().waitFor();
    expect(await page.locator('h1').textContent()).toBe(fill(R['retro.compare.title'], { first: a.number, second: b.number }));
    await chartsDrawn(page);
    await page.screenshot({ path: screenshotPath('i18n-compare-ja-1280'), fullPage: true });
    await page.context().close();

    const pseudo = await signedIn({ width: 1280, height: 900 }, 'qps');
    await pseudo.goto(`${navigator.url}/runs/compare/${a.id}/${b.id}`);
    await pseudo.getByTestId('comparison').locator('table').first().waitFor();
    await chartsDrawn(pseudo);
    expect(await untranslatedTexts(pseudo, retroData)).toEqual([]);
    await pseudo.context().close();
  });
});
