import path from 'node:path';
import { z } from 'zod';

/** The only place that reads process.env. */

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'use true or false' }).transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  NAVIGATOR_HOST: z.string().min(1).default('0.0.0.0'),
  NAVIGATOR_PORT: z.coerce.number({ message: 'must be a number' }).int().min(0).max(65535).default(8080),
  NAVIGATOR_PUBLIC_URL: z.url({ message: 'must be an absolute URL such as https://navigator.example.org' }).optional(),
  NAVIGATOR_DATA_DIR: z.string().min(1).default('data'),
  NAVIGATOR_WORKSHOP_FILE: z.string().min(1).default('checks/ebpf-php.yaml'),
  NAVIGATOR_WEB_DIR: z.string().min(1).default('dist/web'),
  NAVIGATOR_ALLOW_LOOPBACK_VMS: bool.default(false),
  NAVIGATOR_ALLOW_LINK_LOCAL_VMS: bool.default(false),
  NAVIGATOR_STUCK_FACTOR: z.coerce.number({ message: 'must be a number' }).min(1).max(20).default(1.5),
  NAVIGATOR_PROBE_CONCURRENCY: z.coerce.number({ message: 'must be a number' }).int().min(1).max(1000).default(64),
  NAVIGATOR_WATCH_TICK_MS: z.coerce.number({ message: 'must be a number of milliseconds' }).int().min(0).max(60_000).default(0),
  NAVIGATOR_SSH_HANDSHAKE_CEILING_SECONDS: z.coerce.number({ message: 'must be a number of seconds' }).min(10).max(600).default(60),
  NAVIGATOR_LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  NAVIGATOR_LOG_FORMAT: z.enum(['text', 'json'], { message: 'use text or json' }).default('text'),
  NAVIGATOR_ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/, message: 'must be a comma-separated list of origins such as https://board.example.org' }))),
  NAVIGATOR_TRUST_PROXY: z
    .string()
    .default('false')
    .refine(
      (value) => value === 'false' || value.split(',').every((item) => /^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(item.trim())),
      {
        message: 'use false, or the proxies to trust: loopback, linklocal, uniquelocal or addresses/subnets, comma-separated',
      },
    ),
  NAVIGATOR_PUBLIC_RATE_PER_MINUTE: z.coerce.number({ message: 'must be a number' }).int().min(10).max(100_000).default(300),
  NAVIGATOR_METRICS_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  NAVIGATOR_TUNNEL_PORT: z.coerce
    .number({ message: 'must be a port number (1-65535), or unset to keep tunnels off' })
    .int({ message: 'must be a whole port number' })
    .min(1, { message: 'must be a port number (1-65535), or unset to keep tunnels off' })
    .max(65535, { message: 'must be a port number (1-65535), or unset to keep tunnels off' })
    .optional(),
});

export interface AppConfig {
  host: string;
  port: number;
  /** Base of the links Navigator prints and shows (join link, personal links). */
  publicUrl: string | null;
  dataDir: string;
  databaseFile: string;
  workshopFile: string;
  webDir: string;
  allowLoopbackVms: boolean;
  allowLinkLocalVms: boolean;
  stuckFactor: number;
  probeConcurrency: number;
  /** How often each VM's watch reads its current step's cheap checks (0: no watch, the sweep only). */
  watchTickMs: number;
  /** The most an SSH login may take on a slow link; the budget adapts to the measured round trip up to this. */
  sshHandshakeCeilingSeconds: number;
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  /** json: one JSON object per line (pino), for log shippers. */
  logFormat: 'text' | 'json';
  /** Web origins besides NAVIGATOR_PUBLIC_URL's and the one a request was sent to that may use Navigator from a browser. */
  allowedOrigins: string[];
  /** Proxies whose X-Forwarded-* headers count (Express' trust proxy); false: none, the peer is the client. */
  trustProxy: string | false;
  /** Requests per minute one client address may make to the routes anyone can call. */
  publicRatePerMinute: number;
  /** Bearer token /metrics asks for; unset, /metrics is public only while the server listens on loopback. */
  metricsToken: string | null;
  /** The port of Navigator's SSH endpoint that VMs behind NAT open their tunnels to; null: tunnels are off. */
  tunnelPort: number | null;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `  ${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(cwd, e.NAVIGATOR_DATA_DIR);
  return {
    host: e.NAVIGATOR_HOST,
    port: e.NAVIGATOR_PORT,
    publicUrl: e.NAVIGATOR_PUBLIC_URL?.replace(/\/+$/, '') ?? null,
    dataDir,
    databaseFile: path.join(dataDir, 'navigator.db'),
    workshopFile: path.resolve(cwd, e.NAVIGATOR_WORKSHOP_FILE),
    webDir: path.resolve(cwd, e.NAVIGATOR_WEB_DIR),
    allowLoopbackVms: e.NAVIGATOR_ALLOW_LOOPBACK_VMS,
    allowLinkLocalVms: e.NAVIGATOR_ALLOW_LINK_LOCAL_VMS,
    stuckFactor: e.NAVIGATOR_STUCK_FACTOR,
    probeConcurrency: e.NAVIGATOR_PROBE_CONCURRENCY,
    watchTickMs: e.NAVIGATOR_WATCH_TICK_MS,
    sshHandshakeCeilingSeconds: e.NAVIGATOR_SSH_HANDSHAKE_CEILING_SECONDS,
    logLevel: e.NAVIGATOR_LOG_LEVEL,
    logFormat: e.NAVIGATOR_LOG_FORMAT,
    allowedOrigins: e.NAVIGATOR_ALLOWED_ORIGINS,
    trustProxy: e.NAVIGATOR_TRUST_PROXY === 'false' ? false : e.NAVIGATOR_TRUST_PROXY,
    publicRatePerMinute: e.NAVIGATOR_PUBLIC_RATE_PER_MINUTE,
    metricsToken: e.NAVIGATOR_METRICS_TOKEN ?? null,
    tunnelPort: e.NAVIGATOR_TUNNEL_PORT ?? null,
  };
}

/** Injection token for AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
