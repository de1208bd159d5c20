import net from 'node:net';

/**
 * A userspace delaying and "dropping" TCP proxy in front of one sshd (this kernel has no netem).
 * Every chunk is held for `delayMs` each way; a `lossRate` share of chunks is held `lossPenaltyMs`
 * longer, as a TCP retransmission after a lost segment would be. Order is always kept. The server's
 * first bytes are held one more `delayMs`, for the connect that reached it late: as on a real link,
 * the banner comes a whole round trip after the client's connect. It listens on the fleet's bridge
 * address (or loopback), so traffic stays inside the test's namespaces.
 */
export class DelayProxy {
  delayMs = 0;
  lossRate = 0;
  lossPenaltyMs = 300;
  port = 0;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly target: { host: string; port: number },
    private readonly random: () => number = Math.random,
  ) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const socket of [client, upstream]) {
        socket.setNoDelay(true);
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      this.pipe(client, upstream, 0);
      this.pipe(upstream, client, this.delayMs);
    });
  }

  /** One queue and one timer per direction: bytes leave in the order they came, never reordered. */
  private pipe(from: net.Socket, to: net.Socket, connectDelayMs: number): void {
    const queue: { at: number; send: () => void }[] = [];
    let timer: NodeJS.Timeout | null = null;
    const firstAt = Date.now() + connectDelayMs;
    let releaseAt = 0;
    const drain = () => {
      timer = null;
      while (queue.length > 0 && queue[0].at <= Date.now()) queue.shift()!.send();
      if (queue.length > 0) timer = setTimeout(drain, queue[0].at - Date.now());
    };
    const send = (write: () => void) => {
      const hold = this.delayMs + (this.random() < this.lossRate ? this.lossPenaltyMs : 0);
      releaseAt = Math.max(Math.max(Date.now(), firstAt) + hold, releaseAt);
      queue.push({ at: releaseAt, send: write });
      if (timer === null) timer = setTimeout(drain, Math.max(0, queue[0].at - Date.now()));
    };
    from.on('data', (chunk) => send(() => to.writable && to.write(chunk)));
    from.once('end', () => send(() => to.end()));
    from.once('close', () => send(() => to.destroy()));
  }

  async listen(host: string): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
