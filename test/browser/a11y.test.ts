import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { importAttendees } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

/** axe-core in the page, every page in both colour schemes: zero violations. */
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let navigator: TestNavigator;
let browser: Browser;
let attendeeToken: string;
let helperLink: string;

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  browser = await launchChromium();
  const [first] = await importAttendees(navigator.request, navigator.navigatorToken, ['Ada Lovelace', 'Alan Turing', 'Grace Hopper']);
  attendeeToken = first.token;
  const helper = await navigator.request('POST', '/api/helpers', { token: navigator.navigatorToken, body: { name: 'Sam Rivera' } });
  helperLink = (helper.body as { link: string }).link;
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[]; failureSummary: string }[];
}

async function violations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const found = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  })) as Violation[];
  return found.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`));
}

const pages: { name: string; path: () => string; ready: (page: Page) => Promise<unknown> }[] = [
  { name: 'join', path: () => new URL(navigator.joinUrl).pathname, ready: (p) => p.getByLabel('Your name').waitFor() },
  { name: 'attendee', path: () => `/a/${attendeeToken}`, ready: (p) => p.getByTestId('vm').waitFor() },
  {
    name: 'board',
    path: () => new URL(navigator.navigatorUrl).pathname + new URL(navigator.navigatorUrl).search,
    ready: (p) => p.locator('tr[data-attendee="Ada Lovelace"]').waitFor(),
  },
  { name: 'board drawer', path: () => new URL(navigator.navigatorUrl).pathname + new URL(navigator.navigatorUrl).search, ready: openDrawer },
  {
    name: 'helpers dialog',
    path: () => new URL(navigator.navigatorUrl).pathname + new URL(navigator.navigatorUrl).search,
    ready: async (p) => {
      await p.getByRole('button', { name: 'Helpers…', exact: true }).click();
      await p.getByTestId('helpers-dialog').locator('[data-helper="Sam Rivera"]').waitFor();
    },
  },
  { name: "a helper's board", path: () => new URL(helperLink).pathname, ready: (p) => p.locator('tr[data-attendee="Ada Lovelace"]').waitFor() },
  {
    name: 'projector',
    path: () => new URL(navigator.projectorUrl).pathname + new URL(navigator.projectorUrl).search,
    ready: (p) => p.getByTestId('histogram').waitFor(),
  },
];

async function openDrawer(page: Page): Promise<void> {
  await page.locator('tr[data-attendee="Ada Lovelace"]').getByRole('button', { name: 'Ada Lovelace', exact: true }).click();
  await page.getByTestId('drawer').waitFor();
}

describe('accessibility', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const target of pages) {
      it(`${target.name} (${colorScheme}): no axe-core violations`, async () => {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme, bypassCSP: true });
        const page = await context.newPage();
        await page.goto(navigator.url + target.path());
        await target.ready(page);
        expect(await violations(page)).toEqual([]);
        await context.close();
      });
    }
  }

  it('the drawer is a modal dialog: focus inside, Escape closes it and returns focus to the name', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(navigator.navigatorUrl);
    await openDrawer(page);
    const drawer = page.getByRole('dialog', { name: 'Ada Lovelace' });
    expect(await drawer.evaluate((d: HTMLDialogElement) => d.open && d.matches(':modal'))).toBe(true);
    expect(await page.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
    // The board behind is inert: Tab goes through the dialog (and out to the browser's own controls), never the board.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement === document.body || !!document.activeElement?.closest('dialog'))).toBe(true);
    }
    await page.keyboard.press('Escape');
    await page.getByTestId('drawer').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Ada Lovelace');
    await page.context().close();
  });
});
