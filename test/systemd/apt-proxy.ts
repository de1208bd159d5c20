/**
 * The container's only way out, for apt alone: an HTTP forward proxy on the host's end of the veth that forwards
 * only to the hosts of apt's own bookworm mirror on this machine (read from apt's configuration, as rootfs.sh finds
 * it; never written into the repository). Package files (`/pool/…`) and index files fetched by hash (`/by-hash/…`)
 * never change under their names, so they are kept in a cache outside the clone and served from it on the next run:
 * a warm CI run downloads only the mirror's InRelease files.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const CACHE = path.join(process.env.NAVIGATOR_TEST_CACHE ?? '/var/cache/navigator-test', 'apt-proxy');

/** The hosts of apt's bookworm mirrors on this machine, as apt-get indextargets names them. */
export function aptMirrorHosts(): string[] {
  const uris = execFileSync('apt-get', ['indextargets', '--format', '$(REPO_URI)', 'Identifier: Packages', 'Release: bookworm'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const hosts = [...new Set(uris.map((uri) => new URL(uri).host))];
  if (hosts.length === 0) throw new Error("apt's configuration names no bookworm mirror (apt-get indextargets): the container's apt has nowhere to go");
  return hosts;
}

export interface ProxyLog {
  url: string;
  status: number;
  from: 'cache' | 'mirror' | 'refused';
}

export class AptProxy {
  readonly log: ProxyLog[] = [];
  private server: http.Server | null = null;
  port = 0;

  constructor(private readonly allowedHosts: string[]) {}

  async start(host: string): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, host, resolve);
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private refuse(req: http.IncomingMessage, res: http.ServerResponse, why: string): void {
    this.log.push({ url: req.url ?? '', status: 403, from: 'refused' });
    res.writeHead(403, { 'content-type': 'text/plain' }).end(`apt proxy of the kit's systemd test: ${why}\n`);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      return this.refuse(req, res, `not an absolute URL: ${req.url}`);
    }
    if (url.protocol !== 'http:' || !this.allowedHosts.includes(url.host)) return this.refuse(req, res, `only http://${this.allowedHosts.join(', http://')}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.refuse(req, res, `only GET and HEAD, not ${req.method}`);
    const immutable = /\/pool\/|\/by-hash\//.test(url.pathname) && !url.pathname.includes('..');
    const cached = path.join(CACHE, url.host, url.pathname);
    if (immutable && req.method === 'GET' && fs.existsSync(cached)) {
      const size = fs.statSync(cached).size;
      this.log.push({ url: url.href, status: 200, from: 'cache' });
      res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
      fs.createReadStream(cached).pipe(res);
      return;
    }
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: url.host };
    for (const name of ['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive']) delete headers[name];
    // A cached file is whole: ask for all of it, not the part apt may have.
    if (immutable) {
      delete headers.range;
      delete headers['if-range'];
      delete headers['if-modified-since'];
    }
    const upstream = http.request(url, { method: req.method, headers }, (answer) => {
      const status = answer.statusCode ?? 502;
      this.log.push({ url: url.href, status, from: 'mirror' });
      const forwarded = { ...answer.headers };
      delete forwarded.connection;
      delete forwarded['keep-alive'];
      res.writeHead(status, forwarded);
      const expected = Number(answer.headers['content-length'] ?? NaN);
      if (!(immutable && req.method === 'GET' && status === 200)) {
        answer.pipe(res);
        return;
      }
      fs.mkdirSync(path.dirname(cached), { recursive: true });
      const partial = `${cached}.${process.pid}.part`;
      const file = fs.createWriteStream(partial);
      let received = 0;
      answer.on('data', (chunk: Buffer) => {
        received += chunk.length;
        file.write(chunk);
        res.write(chunk);
      });
      answer.on('end', () => {
        res.end();
        file.end(() => {
          // Only a whole file is kept: a cut download would be served to every later run.
          if (Number.isNaN(expected) || received === expected) fs.renameSync(partial, cached);
          else fs.rmSync(partial, { force: true });
        });
      });
      answer.on('error', () => {
        file.destroy();
        fs.rmSync(partial, { force: true });
        res.destroy();
      });
    });
    upstream.setTimeout(60_000, () => upstream.destroy(new Error('no answer from the mirror in 60 s')));
    upstream.on('error', (error) => {
      this.log.push({ url: url.href, status: 502, from: 'mirror' });
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`apt proxy: ${error.message}\n`);
      else res.destroy();
    });
    req.pipe(upstream);
  }
}
