import http from 'node:http';
import net from 'node:net';
import type { AddressPolicy } from './address.policy';
import type { HttpResponse, RequestOptions } from './ssh.types';

/** Navigator's own view of a VM, from outside (as an attendee's laptop would see it): a TCP connect or an HTTP GET to its address. */
export interface OutsideChannel {
  /** Resolves when a TCP connection to the port opens; rejects with the reason otherwise. */
  connect(port: number, timeoutMs: number): Promise<void>;
  request(port: number, path: string, options: RequestOptions): Promise<HttpResponse>;
}

/** The VM's address is refused by the address policy: nothing was sent. */
export class OutsideRefused extends Error {}

/**
 * Outside checks go to the address the policy allows, judged again before every connection (a DNS
 * answer may change), exactly as the SSH connections do; nothing else is ever dialled.
 */
export function outsideChannel(host: string, policy: AddressPolicy): OutsideChannel {
  const address = async (): Promise<string> => {
    const verdict = await policy.check(host);
    if (!verdict.ok) throw new OutsideRefused(verdict.message);
    return verdict.addresses[0];
  };
  return {
    async connect(port, timeoutMs) {
      const to = await address();
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect({ host: to, port });
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`no answer from port ${port} within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          socket.destroy();
          resolve();
        });
        socket.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    },
    async request(port, path, options) {
      const to = await address();
      const started = performance.now();
      const limit = options.maxBodyBytes ?? 1024 * 1024;
      return new Promise<HttpResponse>((resolve, reject) => {
        const request = http.request(
          {
            host: to,
            port,
            path,
            method: options.method ?? 'GET',
            headers: { host: net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`, ...options.headers },
            timeout: options.timeoutMs,
            agent: false,
          },
          (response) => {
            const chunks: Buffer[] = [];
            let size = 0;
            response.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size <= limit) chunks.push(chunk);
            });
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
                body: Buffer.concat(chunks).toString('utf8'),
                durationMs: performance.now() - started,
              }),
            );
            response.on('error', reject);
          },
        );
        request.on('timeout', () => request.destroy(new Error(`no answer from port ${port} within ${options.timeoutMs / 1000} s`)));
        request.on('error', reject);
        request.end(options.body);
      });
    },
  };
}
