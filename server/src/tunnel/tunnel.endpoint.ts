import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Server, type Connection } from 'ssh2';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { TunnelGate } from './tunnel-gate.service';
import { TunnelHostKey } from './tunnel-keys';
import { TunnelRegistry, type OpenTunnel } from './tunnel.registry';

/** A login that has not opened its tunnel by then is let go: the endpoint holds nothing idle. */
const TUNNEL_OPEN_DEADLINE_MS = 30_000;
const MAX_CONNECTIONS = 4000;
/**
 * A tunnel whose VM went silent (its network dropped without a word) is asked after this much quiet, and ended after
 * KEEPALIVE_COUNT_MAX unanswered asks: "tunnel closed" within about 15 s. Probes through it keep it busy anyway.
 */
const KEEPALIVE_INTERVAL_MS = 5_000;
const KEEPALIVE_COUNT_MAX = 2;
/** How long an ended connection waits for the VM's side to close before its socket is destroyed. */
const GOODBYE_MS = 2_000;

/**
 * Navigator's SSH endpoint for VMs behind NAT (NAVIGATOR_TUNNEL_PORT; off unless set). Wires ssh2's
 * server to the gate (who, which bind) and the registry (which tunnels are open); refuses every
 * channel a client might open itself: no shell, exec, subsystem or local forward.
 */
@Injectable()
export class TunnelEndpoint implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TunnelEndpoint.name);
  private server: Server | null = null;
  private readonly connections = new Set<Connection>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    /** Null while tunnels are off: no key is generated for an endpoint that never listens. */
    @Inject(TunnelHostKey) private readonly hostKey: TunnelHostKey | null,
    private readonly gate: TunnelGate,
    private readonly registry: TunnelRegistry,
  ) {}

  /** The port listened on (the configured one, or the one chosen for port 0), or null when tunnels are off. */
  get port(): number | null {
    return (this.server?.address() as AddressInfo | null)?.port ?? null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.tunnelPort === null || !this.hostKey) return;
    const server = new Server(
      { hostKeys: [this.hostKey.privateKey], keepaliveInterval: KEEPALIVE_INTERVAL_MS, keepaliveCountMax: KEEPALIVE_COUNT_MAX },
      (connection) => this.accept(connection),
    );
    server.maxConnections = MAX_CONNECTIONS;
    server.on('error', (error: Error) => this.logger.warn(`tunnel endpoint: ${error.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.tunnelPort!, this.config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`tunnel endpoint listening on ${this.config.host}:${this.port}`);
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.connections.forEach((connection) => connection.end());
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(connection: Connection): void {
    this.connections.add(connection);
    let attendeeId: string | null = null;
    let tunnel: OpenTunnel | null = null;
    const deadline = setTimeout(() => {
      if (!tunnel) endFirmly(connection);
    }, TUNNEL_OPEN_DEADLINE_MS);
    deadline.unref();

    connection.on('authentication', (context) => {
      if (context.method !== 'publickey') return context.reject(['publickey']);
      const { username, key, signature, blob, hashAlgo } = context;
      this.gate.admits(username, { algo: key.algo, data: key.data, signature, blob, hashAlgo }).then(
        (admitted) => {
          if (!admitted) return context.reject(['publickey']);
          // A key check without a signature only asks; accept() then means "sign with it".
          if (signature) attendeeId = username;
          context.accept();
        },
        (error: Error) => {
          this.logger.warn(`tunnel login check failed: ${error.message}`);
          context.reject(['publickey']);
        },
      );
    });

    connection.on('ready', () => {
      connection.on('session', (_accept, reject) => reject());
      connection.on('tcpip', (_accept, reject) => reject());
      connection.on('openssh.streamlocal', (_accept, reject) => reject());
      connection.on('request', (accept, reject, name, info) => {
        const bind = info as { bindAddr: string; bindPort: number };
        if (name !== 'tcpip-forward' || !attendeeId || !this.gate.allowsBind(bind, tunnel !== null)) return reject?.();
        const owner = attendeeId;
        const opened: OpenTunnel = {
          bindAddr: bind.bindAddr,
          bindPort: bind.bindPort,
          forward: (callback) =>
            connection.forwardOut(bind.bindAddr, bind.bindPort, '127.0.0.1', 0, (error, channel) => callback(error, channel as unknown as Duplex)),
          end: () => endFirmly(connection),
        };
        tunnel = opened;
        accept?.();
        this.registry.opened(owner, opened);
      });
    });

    // Keepalive unanswered: the VM went silent. ssh2 only half-closes, which a silent peer never completes.
    connection.on('error', (error: Error & { level?: string }) => error.level === 'client-timeout' && socketOf(connection)?.destroy());
    connection.on('close', () => {
      clearTimeout(deadline);
      this.connections.delete(connection);
      if (tunnel && attendeeId) this.registry.closed(attendeeId, tunnel);
    });
  }
}

/** The TCP socket under an ssh2 server connection (ssh2 keeps it as `_sock`). */
function socketOf(connection: Connection): Socket | undefined {
  return (connection as unknown as { _sock?: Socket })._sock;
}

/** Ends a connection politely, and for good after a moment if the VM never answers the goodbye (it went silent). */
function endFirmly(connection: Connection): void {
  connection.end();
  setTimeout(() => socketOf(connection)?.destroy(), GOODBYE_MS).unref();
}
