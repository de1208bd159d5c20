/**
 * The attendee's pages in Japanese (#18): the join page and the attendee page read Japanese at phone
 * and desktop widths, the language picker switches them and is remembered, and in the pseudo-language
 * nothing they show bypasses the message files (with the join form refused, with the key still to add,
 * connected with a failing check, with a hand up, with the navigator's messages). A Japanese name registers and is shown as typed.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import attendee from '../../web/src/i18n/messages/attendee';
import common from '../../web/src/i18n/messages/common';
import join from '../../web/src/i18n/messages/join';
import { launchChromium, screenshotPath } from '../support/browser';
import { startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';
import { untranslatedTexts, useLanguage } from '../support/visible-text';

let navigator: TestNavigator;
let sshd: TestSshd;
let user: TestUser;
let browser: Browser;

/** The workshop's own texts (test/fixtures/workshop.yaml) and names: data, the same in every language. */
const FIXTURE = [
  'Navigator', // the product's name: the page title and the start page's heading
  'Test workshop',
  'Prepare the VM',
  'Build',
  'Serve metrics',
  '~/prepared exists',
  '~/built says ok',
  'The exporter answers',
  'Create ~/prepared.',
  'Run', // the hints "Run `touch ~/prepared`." and "Run `echo ok > ~/built`." around their code
  'Start the exporter.',
  // The picker names each language in itself.
  'English',
  '日本語',
];

beforeAll(async () => {
  if (!fs.existsSync('dist/web/index.html')) throw new Error('build the web app first (npm run build)');
  removeStaleTestUsers();
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  sshd = await startSshd();
  user = createTestUser('navti18n');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
});

async function newPage(width: number, language?: 'en' | 'ja' | 'qps'): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 900 } })).newPage();
  if (language) await useLanguage(page, language);
  return page;
}

/** Nothing on the page is wider than the viewport. */
async function expectFits(page: Page): Promise<void> {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth, 'page width').toBeLessThanOrEqual(clientWidth);
}

/** Registers through the join form (in whatever language the page reads) and waits for the attendee page. */
async function register(page: Page, messages: Record<string, string>, fields: { name: string; host: string; port: string; sshUser: string }): Promise<void> {
  await page.goto(navigator.joinUrl);
  await page.getByLabel(messages['join.field.displayName']).fill(fields.name);
  await page.getByLabel(messages['join.field.host']).fill(fields.host);
  await page.getByLabel(messages['join.field.port']).fill(fields.port);
  await page.getByLabel(messages['join.field.sshUser']).fill(fields.sshUser);
  await page.getByRole('button', { name: messages['join.submit'] }).click();
  await page.waitForURL(/\/me$/);
}

/**
 * What the server sends this attendee as plain English text rather than as a code (the connection's
 * message, the checks' reasons): data here until the server codes them (the reasons are another
 * area's); a coded one must render from the catalog like any other message.
 */
async function serverTexts(page: Page): Promise<string[]> {
  const self = (await page.evaluate(() => fetch('/api/me').then((response) => response.json()))) as {
    connection: { message: unknown };
    checks: Record<string, { reason: unknown }>;
  };
  // A reason is inline Markdown: its `code` renders as code, which the check skips; the words around it are what shows.
  return [self.connection.message, ...Object.values(self.checks).map((check) => check.reason)]
    .filter((text): text is string => typeof text === 'string')
    .flatMap((text) => text.split(/`[^`]*`/).map((part) => part.trim()))
    .filter(Boolean);
}

describe('the join page in Japanese', () => {
  it('reads Japanese at 390 px and 1280 px, and fits the phone', async () => {
    for (const [width, name] of [
      [390, 'i18n-join-ja-phone'],
      [1280, 'i18n-join-ja-desktop'],
    ] as const) {
      const page = await newPage(width, 'ja');
      await page.goto(navigator.joinUrl);
      await page.getByRole('heading', { name: join.ja['join.form.title'] }).waitFor();
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('ja');
      await page.getByLabel(join.ja['join.field.displayName']).waitFor();
      expect(await page.getByLabel(join.ja['join.field.displayName']).getAttribute('placeholder')).toBe(join.ja['join.field.displayName.placeholder']);
      await page.getByRole('button', { name: join.ja['join.submit'] }).waitFor();
      expect(await page.locator('.eyebrow').textContent()).toContain('ワークショップに参加');
      await page.screenshot({ path: screenshotPath(name), fullPage: true });
      await expectFits(page);
      if (width === 390) {
        // Refused without a name or an address: the errors sit under their fields, the page still fits.
        await page.getByRole('button', { name: join.ja['join.submit'] }).click();
        await page.locator('#displayName-error').waitFor();
        await page.screenshot({ path: screenshotPath('i18n-join-ja-refused-phone'), fullPage: true });
        await expectFits(page);
      }
      await page.context().close();
    }
  });
});

describe('the start page', () => {
  it('reads Japanese, and in the pseudo-language shows nothing from outside the message files', async () => {
    const page = await newPage(390, 'ja');
    await page.goto(navigator.url);
    await page.getByText('参加者の方').waitFor();
    await page.getByLabel(common.ja['common.language']).waitFor();
    await expectFits(page);
    await page.context().close();

    const pseudo = await newPage(390, 'qps');
    await pseudo.goto(navigator.url);
    await pseudo.locator('.home p').waitFor();
    expect(await untranslatedTexts(pseudo, FIXTURE)).toEqual([]);
    await pseudo.context().close();
  });
});

describe('the language picker', () => {
  it('switches the join page and the attendee page, and the choice survives a reload', async () => {
    const page = await newPage(390);
    await page.goto(navigator.joinUrl);
    await page.getByRole('heading', { name: join.en['join.form.title'] }).waitFor();

    await page.getByLabel(common.en['common.language']).selectOption('ja');
    await page.getByRole('heading', { name: join.ja['join.form.title'] }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('navigator.lang'))).toBe('ja');
    await page.reload();
    await page.getByRole('heading', { name: join.ja['join.form.title'] }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ja');

    // Registered in Japanese, the attendee page reads Japanese too; switched back, English, also after a reload.
    await register(page, join.ja, { name: 'Picker Person', host: '127.0.0.1', port: '9', sshUser: 'picker' });
    await page.getByRole('heading', { name: attendee.ja['attendee.vm.title'] }).waitFor();
    await page.getByRole('button', { name: attendee.ja['attendee.header.signOut'] }).waitFor();
    await page.getByLabel(common.ja['common.language']).selectOption('en');
    await page.getByRole('heading', { name: attendee.en['attendee.vm.title'] }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: attendee.en['attendee.header.signOut'] }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('navigator.lang'))).toBe('en');
    await page.context().close();
  });
});

describe('in the pseudo-language, every text the attendee sees comes from the message files', () => {
  it('on the join page, empty and with the form refused', async () => {
    const page = await newPage(390, 'qps');
    await page.goto(navigator.joinUrl);
    await page.locator('form input[name="displayName"]').waitFor();
    expect(await page.locator('h2').textContent(), 'the pseudo-language is on').toMatch(/^⟦.+⟧$/);
    expect(await untranslatedTexts(page, FIXTURE)).toEqual([]);

    // Sent without a name or an address, as the form would send it: the server names the fields.
    const refusal = (await page.evaluate(
      (url) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ displayName: '', host: '', port: '22', sshUser: 'navt', values: {} }),
        }).then((response) => response.json()),
      new URL(navigator.joinUrl).pathname.replace(/^\/join\//, '/api/join/'),
    )) as { fields?: Record<string, string>; fieldErrors?: Record<string, unknown> };
    const uncoded = Object.entries(refusal.fields ?? {})
      .filter(([field]) => !refusal.fieldErrors?.[field])
      .map(([, text]) => text);

    await page.locator('form input[name="displayName"]').fill('');
    await page.locator('form button[type="submit"]').click();
    await page.locator('#displayName-error').waitFor();
    await page.locator('#host-error').waitFor();
    expect(await untranslatedTexts(page, [...FIXTURE, ...uncoded])).toEqual([]);
  });

  it("on the attendee page: the key still to add, then connected with a failing check, a hand up and the navigator's messages", async () => {
    const page = await newPage(390, 'qps');
    await page.goto(navigator.joinUrl);
    await page.locator('form input[name="displayName"]').fill('Ada Lovelace');
    await page.locator('form input[name="host"]').fill('127.0.0.1');
    await page.locator('form input[name="port"]').fill(String(sshd.port));
    await page.locator('form input[name="sshUser"]').fill(user.name);
    await page.locator('form button[type="submit"]').click();
    await page.waitForURL(/\/me$/);
    const vm = page.getByTestId('vm');
    await expect.poll(() => vm.locator('[data-state]').getAttribute('data-reason'), { timeout: 15_000 }).toBe('auth_rejected');
    await vm.locator('details summary').click();
    expect(await vm.locator('h2').textContent(), 'the pseudo-language is on').toMatch(/^⟦.+⟧$/);
    const names = ['Ada Lovelace'];
    expect(await untranslatedTexts(page, [...FIXTURE, ...names, ...(await serverTexts(page))])).toEqual([]);

    // The attendee adds the key; Navigator connects, and the first step's check fails.
    const line = (await vm.locator('details pre').first().textContent()) ?? '';
    sshd.setAuthorizedKeys(user.name, [/'([^']+)'/.exec(line)![1]]);
    await expect.poll(() => vm.locator('[data-state]').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
    await expect.poll(() => page.locator('[data-check="prepared"]').getAttribute('data-status'), { timeout: 10_000 }).toBe('fail');
    await page.locator('[data-testid="current-step"] button.primary').click();
    await page.locator('[data-testid="current-step"] [role="status"]').waitFor();
    expect(await untranslatedTexts(page, [...FIXTURE, ...names, ...(await serverTexts(page))])).toEqual([]);

    // A hand up, with what they are stuck on.
    await page.getByTestId('hand').locator('input').fill('The exporter will not start');
    await page.getByTestId('hand').locator('button[type="submit"]').click();
    await page.getByTestId('hand').locator('.raised').waitFor();
    const typed = ['The exporter will not start', 'Coffee break until 11:00', 'Step 3 is optional'];
    expect(await untranslatedTexts(page, [...FIXTURE, ...names, ...typed, ...(await serverTexts(page))])).toEqual([]);

    // The navigator's messages to the room: the banner, and the earlier one in the history (with its time).
    const board = await newPage(1280);
    await board.goto(navigator.navigatorUrl);
    for (const message of ['Coffee break until 11:00', 'Step 3 is optional']) {
      await board.getByLabel('Message to the room').fill(message);
      await board.getByRole('button', { name: 'Send to the room' }).click();
      await expect.poll(() => page.getByTestId('broadcast').textContent()).toContain(message);
    }
    await board.context().close();
    await page.locator('.broadcast details summary').click();
    await page.locator('.broadcast details li').waitFor();
    expect(await untranslatedTexts(page, [...FIXTURE, ...names, ...typed, ...(await serverTexts(page))])).toEqual([]);

    // Changing the VM's details: the form's labels too.
    await vm.locator('.actions button').last().click();
    await vm.locator('form.edit').waitFor();
    expect(await untranslatedTexts(page, [...FIXTURE, ...names, ...typed, ...(await serverTexts(page))])).toEqual([]);
    await page.context().close();
  });
});

describe('the attendee page in Japanese', () => {
  it('reads Japanese at 390 px and 1280 px, with the key to add and once connected, and fits the phone', async () => {
    const phone = await newPage(390, 'ja');
    await register(phone, join.ja, { name: 'Grace Hopper', host: '127.0.0.1', port: String(sshd.port), sshUser: user.name });
    await phone.getByRole('heading', { name: attendee.ja['attendee.advice.authRejected.title'] }).waitFor({ timeout: 15_000 });
    await phone.getByRole('heading', { name: attendee.ja['attendee.vm.title'] }).waitFor();
    await phone.getByRole('button', { name: attendee.ja['attendee.hand.raise'] }).waitFor();
    expect(await phone.getByTestId('done-count').textContent()).toBe('3ステップ中0ステップ完了');
    await phone.screenshot({ path: screenshotPath('i18n-attendee-ja-key-missing-phone'), fullPage: true });
    await expectFits(phone);
    // The other ways to add the key, and the form to change the VM's details, open.
    await phone.getByText(attendee.ja['attendee.vm.ownAccount']).click();
    await phone.getByRole('button', { name: attendee.ja['attendee.vm.edit'] }).click();
    await phone.getByRole('button', { name: attendee.ja['attendee.edit.save'] }).waitFor();
    await phone.screenshot({ path: screenshotPath('i18n-attendee-ja-key-missing-open-phone'), fullPage: true });
    await expectFits(phone);
    await phone.setViewportSize({ width: 1280, height: 900 });
    await phone.screenshot({ path: screenshotPath('i18n-attendee-ja-key-missing-desktop'), fullPage: true });
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.getByRole('button', { name: attendee.ja['attendee.edit.cancel'] }).click();

    // Connected: the Japanese page at the desktop width too.
    const line = (await phone.getByLabel(attendee.ja['attendee.vm.installCommand']).textContent()) ?? '';
    sshd.setAuthorizedKeys(user.name, [/'([^']+)'/.exec(line)![1]]);
    await phone.getByRole('heading', { name: attendee.ja['attendee.advice.connected.title'], exact: true }).waitFor({ timeout: 20_000 });
    await expect.poll(() => phone.locator('[data-check="prepared"]').getAttribute('data-status'), { timeout: 10_000 }).toBe('fail');
    await phone.screenshot({ path: screenshotPath('i18n-attendee-ja-connected-phone'), fullPage: true });
    await expectFits(phone);
    await phone.setViewportSize({ width: 1280, height: 900 });
    await phone.screenshot({ path: screenshotPath('i18n-attendee-ja-connected-desktop'), fullPage: true });
    await phone.context().close();
  });

  it('registers a Japanese name and shows it as typed, on the page and on the board', async () => {
    const page = await newPage(390, 'ja');
    await register(page, join.ja, { name: '山田 花子', host: '127.0.0.1', port: '9', sshUser: 'hanako' });
    await page.getByRole('heading', { name: attendee.ja['attendee.header.greeting'].replace('{name}', '山田 花子') }).waitFor();
    const self = (await page.evaluate(() => fetch('/api/me').then((response) => response.json()))) as { displayName: string };
    expect(self.displayName).toBe('山田 花子');
    await page.screenshot({ path: screenshotPath('i18n-attendee-ja-name-phone'), fullPage: true });

    const board = await newPage(1280);
    await board.goto(navigator.navigatorUrl);
    await board.locator('tr[data-attendee="山田 花子"]').waitFor();
    await page.context().close();
    await board.context().close();
  });
});
