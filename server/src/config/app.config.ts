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
  NAVIGATOR_LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
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
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
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
    logLevel: e.NAVIGATOR_LOG_LEVEL,
  };
}

/** Injection token for AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
