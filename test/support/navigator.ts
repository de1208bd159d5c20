import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import 'reflect-metadata';
import { startNavigator, type RunningNavigator } from '../../server/src/bootstrap';
import { loadConfig, type AppConfig } from '../../server/src/config/app.config';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/**
 * A workshop file's text for a copy written outside the repository (a test that changes a timeout): its kit is found
 * from where the file is (`kit.root`, default the directory above checks/), so the copy names this checkout's.
 */
export function keepingKitRoot(text: string): string {
  return text.replace(/^kit:\n/m, `kit:\n  root: ${JSON.stringify(REPO_ROOT)}\n`);
}

export interface TestNavigator extends RunningNavigator {
  config: AppConfig;
  dataDir: string;
  navigatorToken: string;
  projectorToken: string;
  /** fetch against the running server, JSON in and out. */
  request(
    method: string,
    urlPath: string,
    options?: { body?: unknown; token?: string; cookie?: string },
  ): Promise<{ status: number; body: unknown; headers: Headers }>;
  stop(): Promise<void>;
}

/** Starts the real server in-process on a free loopback port with its own data directory. */
export async function startTestNavigator(env: Record<string, string> = {}, dataDir?: string): Promise<TestNavigator> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-test-'));
  const config = loadConfig(
    {
      NAVIGATOR_HOST: '127.0.0.1',
      NAVIGATOR_PORT: '0',
      NAVIGATOR_DATA_DIR: dir,
      NAVIGATOR_WORKSHOP_FILE: path.join(REPO_ROOT, 'test/fixtures/workshop.yaml'),
      NAVIGATOR_WEB_DIR: path.join(REPO_ROOT, 'dist/web'),
      NAVIGATOR_LOG_LEVEL: 'error',
      // The harness stands in for a trusted proxy: the fleet's registrations carry each VM's address in
      // X-Forwarded-For, as attendees behind one would. test/security/ checks the default (off).
      NAVIGATOR_TRUST_PROXY: 'loopback',
      ...env,
    },
    REPO_ROOT,
  );
  const running = await startNavigator(config, { quiet: true });
  const navigatorToken = new URL(running.navigatorUrl).searchParams.get('token')!;
  const projectorToken = new URL(running.projectorUrl).searchParams.get('token')!;
  return {
    ...running,
    config,
    dataDir: dir,
    navigatorToken,
    projectorToken,
    async request(method, urlPath, options = {}) {
      const headers: Record<string, string> = {};
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.cookie) headers.cookie = options.cookie;
      const send = () =>
        fetch(running.url + urlPath, {
          method,
          headers,
          body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
          redirect: 'manual',
        });
      let response: Response;
      for (let attempt = 1; ; attempt++) {
        try {
          response = await send();
          break;
        } catch (error) {
          // A kept-alive connection the server closed just as it was reused: after a test blocks this process (a
          // synchronous ssh), the in-process server's overdue idle timers close every pooled connection at once.
          // A GET changes nothing: once those timers have run (a turn of the loop), it is sent again.
          const reset = (error as { cause?: { code?: string } }).cause?.code === 'ECONNRESET';
          if (method !== 'GET' || !reset || attempt >= 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        }
      }
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body, headers: response.headers };
    },
    async stop() {
      await running.close();
    },
  };
}
