import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../support/browser';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

/** The navigator imports VMs on the board: a pasted CSV with a bad row, then a file; then the printable sheet. */
let navigator: TestNavigator;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync('dist/web/index.html')) throw new Error('build the web app first (npm run build)');
  // Loopback VMs on a closed port: refused at once, nothing leaves the machine.
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

describe('importing pre-provisioned VMs on the board', () => {
  it('shows bad rows by line and column, imports nothing; then imports a file and shows a QR sheet whose links sign in', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(navigator.navigatorUrl);
    await page.getByRole('button', { name: 'Import VMs' }).click();

    await page.getByLabel('or paste it here').fill('name,host,port,user\nAda,127.0.0.41,9,ubuntu\nBob,127.0.0.42,99999,ubuntu\n');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Nothing was imported');
    expect(await page.locator('[data-problem-line="3"]').textContent()).toMatch(/^33 \(port\)the SSH port is a number from 1 to 65535$/);
    expect(await page.getByTestId('roster-count').textContent()).toMatch(/^0 registered/);

    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-import-')), 'vms.csv');
    fs.writeFileSync(file, 'Ada Lovelace,127.0.0.41,9,ubuntu,ada@example.org\nBob Builder,127.0.0.42,9,debian\nCyd Charisse,127.0.0.43,9,ubuntu\n');
    await page.locator('input[type=file]').setInputFiles(file);
    await page.waitForFunction(() => (document.getElementById('import-csv') as HTMLTextAreaElement).value.includes('Cyd'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();

    const sheet = page.getByTestId('import-sheet');
    await sheet.waitFor();
    expect(await sheet.locator('article').count()).toBe(3);
    expect(await sheet.locator('article svg').count()).toBe(3);
    expect(await sheet.locator('[data-attendee="Ada Lovelace"]').textContent()).toContain('ada@example.org');
    await page
      .getByTestId('roster-count')
      .filter({ hasText: /^3 registered/ })
      .waitFor();
    await page.screenshot({ path: screenshotPath('import-sheet'), fullPage: true });

    // Printed, the sheet is all there is on the page.
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByRole('button', { name: 'Print sheet' }).isVisible()).toBe(false);
    expect(await sheet.isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });

    const link = (await sheet.locator('[data-attendee="Bob Builder"] .link').textContent())!.trim();
    const attendeePage = await (await browser.newContext()).newPage();
    await attendeePage.goto(link);
    await attendeePage.waitForURL(/\/me$/);
    await attendeePage.getByText('Bob Builder').first().waitFor();
  });
});
