/**
 * Item 12, headers and cookies: the built Svelte app runs under the strict CSP with no violation
 * (headless Chromium on the board, projector, join and attendee pages), the token link leaves a clean
 * URL, cookies are Secure behind https, and a browser can sign out.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { registerAttendees } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync('dist/web/index.html')) throw new Error('build the web app first (npm run build)');
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await navigator?.stop();
});

/** Every CSP violation the page reports, from the DOM event and from the console. */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  const console: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) console.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  return async () => [...console, ...(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp))];
}

describe('12. headers and cookies', () => {
  it('sends a strict CSP, no framing, no referrer, nosniff', async () => {
    const page = await fetch(`${navigator.url}/board`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect((await fetch(`${navigator.url}/api/me`)).headers.get('content-security-policy')).toBe(csp);
  });

  it('the built app runs under it: board, projector, join and attendee pages, no violation; token URLs end clean', async () => {
    const [attendee] = await registerAttendees(navigator.request.bind(navigator), navigator.joinUrl, ['Ada']);
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations = await watchViolations(page);

    await page.goto(navigator.navigatorUrl);
    await page.waitForURL(/\/board$/);
    await page.getByText('Ada').first().waitFor();
    expect(page.url()).not.toContain('token');

    await page.goto(navigator.projectorUrl);
    await page.waitForURL(/\/projector$/);
    await page.getByText('Ada').first().waitFor();

    await page.goto(navigator.joinUrl);
    await page.getByLabel('Your name').waitFor();

    await page.goto(`${navigator.url}/a/${attendee.token}`);
    await page.waitForURL(/\/me$/);
    await page.getByText('Hi Ada').waitFor();
    expect(page.url()).toBe(`${navigator.url}/me`);

    expect(await violations()).toEqual([]);
    // The watch itself works: an inline script, as an injection would add, is blocked and reported.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
    });
    await expect.poll(violations).toEqual(expect.arrayContaining([expect.stringMatching(/script-src/)]));
    expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();

    // Sign out: the page's button ends the session; the page then needs the link again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/me'));
    const cookies = await context.cookies();
    expect(cookies.filter((c) => c.name.startsWith('navigator_'))).toEqual([]);
    await context.close();
  });

  it('cookies are Secure behind https; logout clears them and refuses other sites', async () => {
    const https = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true', NAVIGATOR_PUBLIC_URL: 'https://navigator.example.org' });
    try {
      const local = `http://127.0.0.1:${new URL(https.listening).port}`;
      const signIn = await fetch(`${local}/auth/navigator?token=${https.navigatorToken}`, { redirect: 'manual' });
      expect(signIn.headers.get('set-cookie')).toMatch(/navigator_navigator=.+; .*HttpOnly; Secure; SameSite=Lax/);
      expect(signIn.headers.get('strict-transport-security')).toMatch(/max-age=/);
    } finally {
      await https.stop();
    }
    const plain = await fetch(`${navigator.url}/auth/navigator?token=${navigator.navigatorToken}`, { redirect: 'manual' });
    expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/);

    const crossSite = await fetch(`${navigator.url}/auth/logout`, { method: 'POST', headers: { origin: 'http://evil.example' } });
    expect(crossSite.status).toBe(403);
    const logout = await fetch(`${navigator.url}/auth/logout`, { method: 'POST', headers: { cookie: `navigator_navigator=${navigator.navigatorToken}` } });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/navigator_navigator=;.*Expires=Thu, 01 Jan 1970/);
  });
});
