/**
 * Workshop texts in several languages (#18): the default workshop, checks/ebpf-php.yaml, has every text in English
 * and Japanese. An attendee whose browser reads Japanese registers and sees the workshop's title, the step's title
 * and its hint in Japanese; one whose browser reads English sees them in English, from the same server. Real server,
 * real Chromium; the VM is a closed port on loopback (the first step is current before anything passes).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinInfo } from '../../server/src/contract/views';
import { kitLinks } from '../../server/src/kit/kit-links';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';
import { substituteVars } from '../../server/src/workshops/workshop.schema';
import { launchChromium, screenshotPath } from '../support/browser';
import { CLOSED_PORT } from '../support/clients';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';

const WORKSHOP_FILE = path.join(REPO_ROOT, 'checks/ebpf-php.yaml');
const { definition } = loadWorkshopFile(WORKSHOP_FILE);
const first = definition.steps[0];
type Texts = { en: string; ja: string };
const title = definition.title as Texts;
const stepTitle = first.title as Texts;
const hint = first.hint as Texts;
const checkTitle = first.checks[0].title as Texts;

let navigator: TestNavigator;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync('dist/web/index.html')) throw new Error('build the web app first (npm run build)');
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true', NAVIGATOR_WORKSHOP_FILE: WORKSHOP_FILE });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

/** Registers through the join page in a browser whose language is `locale`; fields by name, so the page's own words may be any language. */
async function register(locale: string, name: string): Promise<Page> {
  const page = await (await browser.newContext({ locale, viewport: { width: 390, height: 844 } })).newPage();
  await page.goto(navigator.joinUrl);
  await page.locator('input[name="displayName"]').fill(name);
  await page.locator('input[name="host"]').fill('127.0.0.1');
  await page.locator('input[name="port"]').fill(String(CLOSED_PORT));
  await page.locator('input[name="sshUser"]').fill('ubuntu');
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL(/\/me$/);
  await page.getByTestId('current-step').waitFor();
  return page;
}

/** The first line of a Markdown hint as the page renders it: its words, without the code. */
const firstSentence = (markdown: string) => markdown.split('\n')[0].trim();

describe('workshop texts in the reader’s language', () => {
  it('the server sends each text in every language, with the workshop’s default language', async () => {
    const info = (await (await fetch(navigator.joinUrl.replace(/\/join\/(\w+)$/, '/api/join/$1'))).json()) as JoinInfo;
    expect(info.language).toBe('en');
    expect(info.title).toEqual(title);
    expect(info.steps[0].title).toEqual(stepTitle);
    // With the kit's links on the address the page was loaded from (${kit.archive} in the packages hint).
    expect(info.steps[0].hint).toEqual(substituteVars(definition, hint, kitLinks(definition, navigator.url)));
    expect(info.steps[0].checks[0]).toMatchObject({ title: checkTitle, failure: first.checks[0].failure });
  });

  it('a Japanese browser reads the workshop in Japanese, an English one in English', async () => {
    const japanese = await register('ja-JP', '山田 花子');
    const english = await register('en-US', 'Ada Lovelace');

    const current = japanese.getByTestId('current-step');
    expect(await current.locator('h3').textContent()).toContain(stepTitle.ja);
    expect(await current.locator(`[data-check="${first.checks[0].id}"] strong`).textContent()).toBe(checkTitle.ja);
    const japaneseHint = (await current.locator('.hint').textContent()) ?? '';
    expect(japaneseHint).toContain(firstSentence(hint.ja).slice(0, 30));
    // Commands stay as they are in both languages.
    expect(japaneseHint).toContain('sudo ./bpf/setup.sh --check');
    expect(japaneseHint).not.toContain(firstSentence(hint.en).slice(0, 20));
    await expect.poll(() => japanese.locator('.step-list li').first().textContent()).toContain(stepTitle.ja);
    await japanese.screenshot({ path: screenshotPath('i18n-workshop-attendee-ja-phone'), fullPage: true });

    const englishCurrent = english.getByTestId('current-step');
    expect(await englishCurrent.locator('h3').textContent()).toContain(stepTitle.en);
    expect(await englishCurrent.locator(`[data-check="${first.checks[0].id}"] strong`).textContent()).toBe(checkTitle.en);
    const englishHint = (await englishCurrent.locator('.hint').textContent()) ?? '';
    expect(englishHint).toContain(firstSentence(hint.en));
    // The Japanese sentence's own words (product names like Navigator are the same in both).
    expect(englishHint).not.toContain(/[^ -~\s]{4,}/.exec(firstSentence(hint.ja))![0]);
    await expect.poll(() => english.locator('.step-list li').first().textContent()).toContain(stepTitle.en);

    // The join page's title too, in each reader's language.
    for (const [locale, expected] of [
      ['ja-JP', title.ja],
      ['en-US', title.en],
    ] as const) {
      const join = await (await browser.newContext({ locale, viewport: { width: 390, height: 844 } })).newPage();
      await join.goto(navigator.joinUrl);
      await expect.poll(() => join.locator('h1').textContent()).toBe(expected);
      if (locale === 'ja-JP') await join.screenshot({ path: screenshotPath('i18n-workshop-join-ja-phone'), fullPage: true });
    }
  });

  it('the board and the projector show the step titles in their reader’s language', async () => {
    const board = await (await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 800 } })).newPage();
    await board.goto(navigator.navigatorUrl);
    await board.waitForURL(/\/board$/);
    await expect.poll(() => board.locator('h1').first().textContent()).toBe(title.ja);
    await board.locator('tr[data-attendee="Ada Lovelace"]').waitFor();
    await expect.poll(() => board.locator('tr[data-attendee="Ada Lovelace"] [data-step-state]').first().getAttribute('title')).toContain(stepTitle.ja);
    await board.screenshot({ path: screenshotPath('i18n-workshop-board-ja'), fullPage: false });

    const projector = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1920, height: 1080 } })).newPage();
    await projector.goto(navigator.projectorUrl);
    await expect.poll(() => projector.locator('h1').first().textContent()).toBe(title.en);
  });
});

/** A Japanese workshop of its own: vars in each language's hint, a seat label per language, a text only in Japanese. */
describe('a workshop whose default language is Japanese', () => {
  let japaneseWorkshop: TestNavigator;
  const FIXTURE = [
    'version: 2',
    'id: ja-first',
    'language: ja',
    'title: { ja: 日本語のワークショップ }',
    'vars: { php: "8.2" }',
    'seat: { label: { en: Table, ja: テーブル番号 }, required: false }',
    'steps:',
    '  - id: one',
    '    title: { en: Check PHP, ja: PHP を確かめる }',
    '    minutes: 5',
    '    hint: { en: "Use PHP ${vars.php}.", ja: "PHP ${vars.php} を使います。" }',
    '    checks:',
    '      - { id: php, title: { ja: PHP がある }, ssh: { run: "php -v" }, failure: { en: "No PHP ${vars.php}", ja: "PHP ${vars.php} がありません" } }',
  ].join('\n');

  beforeAll(async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-i18n-')), 'workshop.yaml');
    fs.writeFileSync(file, FIXTURE);
    japaneseWorkshop = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true', NAVIGATOR_WORKSHOP_FILE: file });
  });
  afterAll(async () => {
    await japaneseWorkshop?.stop();
  });

  it('substitutes vars in each language, and a text only in Japanese reaches an English reader in Japanese', async () => {
    const info = (await (await fetch(japaneseWorkshop.joinUrl.replace(/\/join\/(\w+)$/, '/api/join/$1'))).json()) as JoinInfo;
    expect(info.language).toBe('ja');
    expect(info.steps[0].hint).toEqual({ en: 'Use PHP 8.2.', ja: 'PHP 8.2 を使います。' });
    expect(info.steps[0].checks[0].failure).toEqual({ en: 'No PHP 8.2', ja: 'PHP 8.2 がありません' });
    expect(info.seat?.label).toEqual({ en: 'Table', ja: 'テーブル番号' });

    for (const [locale, seat, hintText] of [
      ['ja-JP', 'テーブル番号', 'PHP 8.2 を使います。'],
      ['en-US', 'Table', 'Use PHP 8.2.'],
    ] as const) {
      const page = await (await browser.newContext({ locale, viewport: { width: 390, height: 844 } })).newPage();
      await page.goto(japaneseWorkshop.joinUrl);
      // Only in Japanese: the English reader reads it too, rather than nothing.
      await expect.poll(() => page.locator('h1').textContent()).toBe('日本語のワークショップ');
      expect(await page.locator('label:has(input[name="seat"]) > span').textContent()).toContain(seat);
      await page.locator('input[name="displayName"]').fill(`Reader ${locale}`);
      await page.locator('input[name="host"]').fill('127.0.0.1');
      await page.locator('input[name="port"]').fill(String(CLOSED_PORT));
      await page.locator('input[name="sshUser"]').fill('ubuntu');
      await page.locator('form button[type="submit"]').click();
      await page.waitForURL(/\/me$/);
      const current = page.getByTestId('current-step');
      await expect.poll(() => current.locator('.hint').textContent()).toContain(hintText);
      expect(await current.locator('[data-check="php"] strong').textContent()).toBe('PHP がある');
    }
  });
});
