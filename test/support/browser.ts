import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT } from './navigator';

export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results/screenshots');

/** Debian's Chromium, headless, with the flags that keep it off the network. */
export async function launchChromium(): Promise<Browser> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      // Pages pick their language from the browser's: the suite reads English unless a test asks otherwise.
      '--lang=en-US',
    ],
  });
}

export function screenshotPath(name: string): string {
  return path.join(SCREENSHOT_DIR, `${name}.png`);
}
