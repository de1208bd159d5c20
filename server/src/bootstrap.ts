import path from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import express from 'express';
import { serveApiDocs } from './api-docs/api-docs';
import { appModuleFor } from './app.module';
import { AuthService } from './auth/auth.service';
import type { AppConfig } from './config/app.config';
import { coded } from './contract/i18n/coded';
import { codedErrorBody } from './common/coded-http';
import { OriginCheckedIoAdapter } from './common/origin-checked-io.adapter';
import { OriginPolicy } from './common/origin-policy';
import { securityHeaders } from './common/security-headers';
import { LogOutput } from './logging/log-output';
import { NavigatorLogger } from './logging/navigator.logger';
import { migrateDatabase } from './prisma/database.migrator';
import { WorkshopsService } from './workshops/workshops.service';
import { workshopText } from './workshops/workshop.schema';

const BODY_LIMIT_BYTES = 64 * 1024;
/** A CSV of pre-provisioned VMs may be 60 000 characters, up to three bytes each in UTF-8 (names in Japanese). */
const IMPORT_PATH = '/api/attendees/import';
const IMPORT_BODY_LIMIT_BYTES = 256 * 1024;
const bodyLimitFor = (path: string) => (path === IMPORT_PATH ? IMPORT_BODY_LIMIT_BYTES : BODY_LIMIT_BYTES);

/**
 * A body too large or not JSON is the client's mistake: answered 413 / 400 with what was wrong,
 * here, instead of reaching Nest's handler as an unknown error (logged as a server ERROR).
 */
function bodyErrors(
  error: { type?: string; length?: number; message?: string },
  req: express.Request,
  res: express.Response,
  next: express.NextFunction,
): void {
  if (error.type === 'entity.too.large') {
    const limit = bodyLimitFor(req.path) / 1024;
    const why = error.length
      ? coded('limit.body_too_large', { size: Math.ceil(error.length / 1024), limit })
      : coded('limit.body_too_large_unknown', { limit });
    res.status(413).json(codedErrorBody(413, why));
    return;
  }
  if (error.type === 'entity.parse.failed') {
    res.status(400).json(codedErrorBody(400, coded('request.invalid_json', { detail: error.message ?? 'unreadable' })));
    return;
  }
  next(error);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF: a state-changing request from a page on another site (or another port of this host) is
 * refused, and so is any body that is not JSON (a cross-site form can post urlencoded or multipart
 * without a preflight; JSON it cannot).
 */
function refuseCrossSiteWrites(origins: OriginPolicy) {
  return (req: express.Request, res: express.Response, next: express.NextFunction): void => {
    if (SAFE_METHODS.has(req.method)) return next();
    const refusal = origins.refusal(req.headers);
    if (refusal !== null) {
      res.status(403).json(codedErrorBody(403, coded('request.cross_site', { detail: refusal })));
      return;
    }
    const length = Number(req.headers['content-length'] ?? 0);
    const limit = bodyLimitFor(req.path);
    if (length > limit) {
      res.status(413).json(codedErrorBody(413, coded('limit.body_too_large', { size: Math.ceil(length / 1024), limit: limit / 1024 })));
      return;
    }
    const hasBody = req.headers['transfer-encoding'] !== undefined || length > 0;
    if (hasBody && !req.is('application/json')) {
      res.status(415).json(codedErrorBody(415, coded('request.json_only')));
      return;
    }
    next();
  };
}

export interface RunningNavigator {
  app: NestExpressApplication;
  /** The address and port the server listens on, e.g. http://0.0.0.0:8080. */
  listening: string;
  workshopTitle: string;
  url: string;
  navigatorUrl: string;
  projectorUrl: string;
  joinUrl: string;
  close(): Promise<void>;
}

/** Builds and starts Navigator: migrations first, then modules, then the listener. Used by main.ts and by tests. */
export async function startNavigator(config: AppConfig, options: { quiet?: boolean } = {}): Promise<RunningNavigator> {
  const logger = new Logger('Navigator');
  const migrations = migrateDatabase(config.databaseFile, path.resolve(__dirname, '../../prisma/migrations'));
  const app = await NestFactory.create<NestExpressApplication>(appModuleFor(options.quiet ? { ...config, logLevel: 'error' } : config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(NavigatorLogger));
  const auth = app.get(AuthService);
  app.get(LogOutput).protect(auth.navigatorSecret, auth.projectorToken);
  if (migrations.applied.length > 0) logger.log(`database migrated: ${migrations.applied.join(', ')}`);
  // Forwarding headers count only from proxies the operator named: otherwise any client could pick its own address.
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  const origins = new OriginPolicy([...(config.publicUrl ? [config.publicUrl] : []), ...config.allowedOrigins]);
  app.useWebSocketAdapter(new OriginCheckedIoAdapter(app, origins));
  app.use(securityHeaders({ https: config.publicUrl?.startsWith('https:') ?? false }));
  app.use(refuseCrossSiteWrites(origins));
  app.use(cookieParser());
  // The first parser that reads a body marks it read; the general one then leaves it alone.
  app.use(IMPORT_PATH, express.json({ limit: IMPORT_BODY_LIMIT_BYTES }));
  app.use(express.json({ limit: BODY_LIMIT_BYTES }));
  app.use(bodyErrors);
  app.enableShutdownHooks();
  serveApiDocs(app);
  serveWebApp(app, config.webDir);
  await app.listen(config.port, config.host);

  const address = app.getHttpServer().address() as { port: number };
  const base = config.publicUrl ?? `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${address.port}`;
  const workshop = app.get(WorkshopsService).workshop;
  const running: RunningNavigator = {
    app,
    listening: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}`,
    workshopTitle: workshopText(workshop.definition, workshop.definition.title),
    url: base,
    navigatorUrl: `${base}/auth/navigator?token=${auth.navigatorSecret}`,
    projectorUrl: `${base}/auth/projector?token=${auth.projectorToken}`,
    joinUrl: `${base}/join/${workshop.joinCode}`,
    close: () => app.close(),
  };
  return running;
}

function serveWebApp(app: NestExpressApplication, webDir: string): void {
  app.useStaticAssets(webDir, { index: false, maxAge: '1h', immutable: false });
  const index = path.join(webDir, 'index.html');
  // The web app routes on the client: any page path that is not an API gets index.html.
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (req.method !== 'GET' || /^\/(api|auth|a|h|socket\.io|health|metrics|kit)(\/|$)/.test(req.path) || path.extname(req.path)) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index, (error) => error && next());
  });
}
