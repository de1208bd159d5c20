/**
 * A workshop that asks where each attendee sits (`seat:`): the join form asks it (required here),
 * the attendee's page shows it, and the navigator's help queue says where to go; the projector never
 * shows it. Real server, real Chromium; the VM is a closed port on loopback.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { CLOSED_PORT } from '../support/clients';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;
let browser: Browser;

beforeAll(async () => {
  const fixture = fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/workshop.yaml'), 'utf8');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-seat-')), 'workshop.yaml');
  fs.writeFileSync(file, fixture.replace(/^steps:/m, 'seat: { label: Table, required: true }\nsteps:'));
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true', NAVIGATOR_WORKSHOP_FILE: file });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

describe('where attendees sit', () => {
  it('is asked at registration, shown on the attendee page and in the help queue, never on the projector', async () => {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await phone.goto(navigator.joinUrl);
    await phone.getByLabel('Your name').fill('Ada Lovelace');
    await phone.getByLabel('VM address').fill('127.0.0.1');
    await phone.getByLabel('SSH port').fill(String(CLOSED_PORT));
    await phone.getByLabel('SSH user').fill('ada');
    await phone.getByRole('button', { name: 'Register and connect' }).click();
    await phone.getByText('enter your table').waitFor();
    await phone.screenshot({ path: screenshotPath('join-seat-required-phone'), fullPage: true });
    await phone.getByLabel('Table').fill('Table 7-B');
    await phone.getByRole('button', { name: 'Register and connect' }).click();
    await phone.waitForURL(/\/me$/);
    await phone.getByText('Table: Table 7-B').waitFor();

    await phone.getByLabel('What are you stuck on').fill('the build fails');
    await phone.getByRole('button', { name: 'Raise hand' }).click();
    const board = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await board.goto(navigator.navigatorUrl);
    const entry = board.locator('[data-help-for="Ada Lovelace"]');
    await entry.waitFor();
    expect(await entry.locator('.who').textContent()).toBe('Ada Lovelace · Table 7-B');
    await board.screenshot({ path: screenshotPath('board-help-seat'), fullPage: false });

    const projector = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    await projector.goto(navigator.projectorUrl);
    await expect.poll(() => projector.getByTestId('help-count').textContent()).toContain('1 waiting');
    expect(await projector.content()).not.toContain('7-B');
  });
});
