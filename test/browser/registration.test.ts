import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

let navigator: TestNavigator;
let sshd: TestSshd;
let user: TestUser;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync('dist/web/index.html')) throw new Error('build the web app first (npm run build)');
  removeStaleTestUsers();
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  sshd = await startSshd();
  user = createTestUser('navtbrowser');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
});

describe('an attendee registers a VM while the navigator watches the roster', () => {
  it('shows the key to add, then connected; the roster updates without reload', async () => {
    const boardContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const board = await boardContext.newPage();
    await board.goto(navigator.navigatorUrl);
    await board.waitForURL(/\/board$/);
    await board.getByText('Nobody has registered yet').waitFor();

    const attendeeContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const attendee = await attendeeContext.newPage();
    await attendee.goto(navigator.joinUrl);
    await attendee.getByLabel('Your name').fill('Ada Lovelace');
    await attendee.getByLabel('VM address').fill('127.0.0.1');
    await attendee.getByLabel('SSH port').fill(String(sshd.port));
    await attendee.getByLabel('SSH user').fill(user.name);
    await attendee.screenshot({ path: screenshotPath('join-phone'), fullPage: true });
    await attendee.getByRole('button', { name: 'Register and connect' }).click();
    await attendee.waitForURL(/\/me$/);

    // The key is not authorized yet: the page says so and shows the exact line.
    await attendee.getByText('Key not authorized yet', { exact: true }).waitFor({ timeout: 15_000 });
    const line = (await attendee.getByLabel("command that adds Navigator's key").textContent()) ?? '';
    expect(line).toMatch(/restrict,command="exec sh -s",[^ ]*,permitlisten="localhost:1",permitopen="127\.0\.0\.1:9435" ssh-ed25519 /);
    // The recommended path comes first: a dedicated login for Navigator with the same line.
    const dedicated = (await attendee.getByLabel("command that creates Navigator's own login").textContent()) ?? '';
    expect(dedicated).toContain(/'([^']+)'/.exec(line)![1]);
    await attendee.screenshot({ path: screenshotPath('attendee-key-missing-phone'), fullPage: true });

    // The board shows them without a reload.
    const row = board.locator('tr[data-attendee="Ada Lovelace"]');
    await row.waitFor();
    await expect.poll(() => row.locator('[data-state]').getAttribute('data-reason')).toBe('auth_rejected');

    // The attendee adds the key (as they would with the copied command); Navigator connects by itself.
    const keyLine = /'([^']+)'/.exec(line)![1];
    sshd.setAuthorizedKeys(user.name, [keyLine]);
    // Navigator's own retry may connect first and take the button away; either way the attendee ends up connected.
    await attendee
      .getByRole('button', { name: 'Try again now' })
      .click({ timeout: 2000 })
      .catch(() => undefined);
    await attendee.getByText('Connected', { exact: true }).waitFor({ timeout: 15_000 });
    await expect.poll(() => row.locator('[data-state]').getAttribute('data-state'), { timeout: 10_000 }).toBe('connected');
    // The first step's check fails with its reason; doing the step on the VM moves the attendee on, live.
    await expect.poll(() => attendee.locator('[data-check="prepared"]').getAttribute('data-status'), { timeout: 10_000 }).toBe('fail');
    await attendee.getByText('Create ~/prepared.').waitFor();
    await attendee.screenshot({ path: screenshotPath('attendee-failing-phone'), fullPage: true });
    user.writeFile('prepared', '');
    await attendee.getByRole('heading', { name: 'Now: Build' }).waitFor({ timeout: 10_000 });
    expect(await attendee.getByTestId('done-count').textContent()).toBe('1 of 3 steps done');
    await expect.poll(() => row.locator('[data-step-state]').first().getAttribute('data-step-state'), { timeout: 10_000 }).toBe('done');
    await attendee.screenshot({ path: screenshotPath('attendee-connected-phone'), fullPage: true });
    // The drawer says why, per check, with the output tail and the history.
    await board.getByRole('button', { name: 'Ada Lovelace' }).click();
    const drawer = board.getByTestId('drawer');
    await expect.poll(() => drawer.locator('[data-check="prepared"]').getAttribute('data-status')).toBe('pass');
    await expect.poll(() => drawer.locator('[data-check="built"]').getAttribute('data-status')).toBe('fail');
    expect(await drawer.locator('[data-check="built"] .reason').textContent()).toContain('exit code 1');
    await drawer.getByText('fail → pass').first().waitFor();
    await board.screenshot({ path: screenshotPath('board-drawer'), fullPage: false });
    await drawer.getByRole('button', { name: 'Close' }).click();
    await board.screenshot({ path: screenshotPath('board-roster'), fullPage: true });
    expect(await board.getByTestId('roster-count').textContent()).toContain('1 registered · 1 connected');
  });

  it('shows the join QR code and links to the navigator', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(navigator.navigatorUrl);
    await page.getByRole('button', { name: 'Share join link' }).click();
    const qr = page.getByAltText('QR code of the join link');
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await page.getByLabel('join link', { exact: true }).textContent()).toBe(navigator.joinUrl);
    await page.screenshot({ path: screenshotPath('board-share'), fullPage: true });
  });

  it('the projector page shows names and no hostnames', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    await page.goto(navigator.projectorUrl);
    await page.waitForURL(/\/projector$/);
    await page.getByText('Ada Lovelace').waitFor();
    // The VM here is on 127.0.0.1 like Navigator itself, so look for what only the VM has: its port and user.
    const html = await page.content();
    expect(html).not.toContain(String(sshd.port));
    expect(html).not.toContain(user.name);
    await page.screenshot({ path: screenshotPath('projector'), fullPage: true });
  });

  it('the navigator gives an attendee a new link, then removes them: their open page says why, the row leaves the board', async () => {
    const board = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await board.goto(navigator.navigatorUrl);
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await phone.goto(navigator.joinUrl);
    await phone.getByLabel('Your name').fill('Grace Hopper');
    await phone.getByLabel('VM address').fill('127.0.0.1');
    await phone.getByLabel('SSH port').fill('9');
    await phone.getByLabel('SSH user').fill('grace');
    await phone.getByRole('button', { name: 'Register and connect' }).click();
    await phone.waitForURL(/\/me$/);
    await phone.getByRole('button', { name: 'Change VM details' }).waitFor();

    await board.getByRole('button', { name: 'Grace Hopper', exact: true }).click();
    const drawer = board.getByTestId('drawer');
    await drawer.getByRole('button', { name: 'New personal link' }).click();
    const link = (await drawer.getByLabel('new personal link').textContent()) ?? '';
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/a\/[A-Za-z0-9_-]{20,}$/);
    await phone.getByText('The navigator gave you a new personal link').waitFor();
    await phone.screenshot({ path: screenshotPath('attendee-link-reissued-phone'), fullPage: true });
    await phone.goto(link);
    await phone.waitForURL(/\/me$/);
    await phone.getByRole('button', { name: 'Change VM details' }).waitFor();

    await drawer.getByRole('button', { name: 'Remove from the workshop…' }).click();
    await board.screenshot({ path: screenshotPath('board-drawer-remove'), fullPage: false });
    await drawer.getByRole('button', { name: 'Remove Grace Hopper' }).click();
    await drawer.waitFor({ state: 'detached' });
    await board.locator('tr[data-attendee="Grace Hopper"]').waitFor({ state: 'detached' });
    await phone.getByText('The navigator removed you from this workshop').waitFor();
    await phone.screenshot({ path: screenshotPath('attendee-removed-phone'), fullPage: true });
    expect(await board.getByTestId('roster-count').textContent()).toContain('1 registered');
  });
});
