/**
 * A hint's code blocks have a copy button (the kit command in the default workshop's first hint is long): the button
 * CopyBox has, with its fallback. In a secure context the command goes to the clipboard as the hint shows it; where
 * the clipboard cannot be used (plain HTTP: no navigator.clipboard, simulated here by removing it) the command is
 * selected instead. Real server with checks/ebpf-php.yaml, real Chromium; the VM is a closed port on loopback.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kitLinks } from '../../server/src/kit/kit-links';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';
import { substituteVars } from '../../server/src/workshops/workshop.schema';
import board from '../../web/src/i18n/messages/board';
import common from '../../web/src/i18n/messages/common';
import { launchChromium, screenshotPath } from '../support/browser';
import { CLOSED_PORT } from '../support/clients';
import { REPO_ROOT, startTestNavigator, type TestNavigator } from '../support/navigator';

const WORKSHOP_FILE = path.join(REPO_ROOT, 'checks/ebpf-php.yaml');
const { definition } = loadWorkshopFile(WORKSHOP_FILE);
const hint = definition.steps[0].hint as { en: string; ja: string };

let navigator: TestNavigator;
let browser: Browser;
/** The kit command as the hint's code block holds it, with the kit's links on this server. */
let kitCommand: string;

beforeAll(async () => {
  if (!fs.existsSync('dist/web/index.html')) throw new Error('build the web app first (npm run build)');
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true', NAVIGATOR_WORKSHOP_FILE: WORKSHOP_FILE });
  browser = await launchChromium();
  const english = substituteVars(definition, hint, kitLinks(definition, navigator.url)) as { en: string };
  kitCommand = /```sh\n([^`]*?)\n```/.exec(english.en)![1];
  expect(kitCommand).toMatch(/^curl -fsSL .+ sudo \.\/bpf\/setup\.sh$/);
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

async function register(context: BrowserContext, name: string): Promise<Page> {
  const page = await context.newPage();
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

describe('copy buttons on a hint’s code blocks', () => {
  it('copies the kit command exactly, without the block’s last line break, to the clipboard', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: navigator.url });
    const page = await register(context, 'Grace Hopper');
    const block = page.locator('.hint .code-block');
    await expect.poll(() => block.count()).toBe(1);
    expect(await block.locator('code').textContent()).toBe(`${kitCommand}\n`);
    const button = block.getByRole('button');
    expect(await button.textContent()).toBe(common.en['common.copy.code']);
    await page.evaluate(() => window.navigator.clipboard.writeText('nothing copied yet'));
    await button.click();
    await expect.poll(() => page.evaluate(() => window.navigator.clipboard.readText())).toBe(kitCommand);
    await expect.poll(() => button.textContent()).toBe(common.en['common.copy.copied']);
    // Back to its label, so the next copy says so again.
    await expect.poll(() => button.textContent(), { timeout: 5000 }).toBe(common.en['common.copy.code']);
    await page.screenshot({ path: screenshotPath('hint-copy-phone'), fullPage: true });
    await context.close();
  });

  it('without a clipboard (plain HTTP) selects the command instead, with the label in Japanese', async () => {
    const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 800 } });
    // What a page served over plain HTTP from a LAN address sees: no navigator.clipboard (not a secure context).
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined }));
    const page = await register(context, '山田 花子');
    const button = page.locator('.hint .code-block').getByRole('button');
    expect(await button.textContent()).toBe(common.ja['common.copy.code']);
    expect(await page.evaluate(() => getSelection()?.toString() ?? '')).toBe('');
    await button.click();
    await expect.poll(() => button.textContent()).toBe(common.ja['common.copy.copied']);
    // The code element's whole text is selected (the reader copies it with Ctrl-C); the trailing line break is the block's.
    expect((await page.evaluate(() => getSelection()?.toString() ?? '')).trimEnd()).toBe(kitCommand);
    await context.close();
  });

  it('CopyBox keeps its button and fallback: the board’s join link is selected without a clipboard', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined }));
    const page = await context.newPage();
    await page.goto(navigator.navigatorUrl);
    await page.waitForURL(/\/board$/);
    await page.getByRole('button', { name: board.en['board.header.shareJoinLink'] }).click();
    const box = page.locator('.share .copybox').first();
    const joinUrl = (await box.locator('pre').textContent()) ?? '';
    expect(joinUrl).toBe(navigator.joinUrl);
    await box.getByRole('button', { name: common.en['common.copy.copy'] }).click();
    await expect.poll(() => page.evaluate(() => getSelection()?.toString() ?? '')).toBe(joinUrl);
    await context.close();
  });
});
