import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './sshd';

export const PHP = '/usr/bin/php8.2';
const SAMPLE = path.resolve(__dirname, '../../php-sample/public');

/** php-sample under Debian's real `php -S` on a free loopback port, answering before this resolves. */
export async function startPhpSample(options: { dtrace?: boolean; opcache?: boolean } = {}): Promise<{ process: ChildProcess; port: number; url: string }> {
  const port = await freePort();
  const args = [...(options.opcache === false ? ['-d', 'opcache.enable=0'] : []), '-S', `127.0.0.1:${port}`, '-t', SAMPLE];
  const child = spawn(PHP, args, { env: { ...process.env, ...(options.dtrace ? { USE_ZEND_DTRACE: '1' } : {}) }, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const up = await fetch(url + '/').then(
      () => true,
      () => false,
    );
    if (up) return { process: child, port, url };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('php -S did not start');
}
