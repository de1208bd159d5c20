import path from 'node:path';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { appModuleFor } from './app.module';
import { AuthService } from './auth/auth.service';
import type { AppConfig } from './config/app.config';
import { migrateDatabase } from './prisma/database.migrator';
import { WorkshopsService } from './workshops/workshops.service';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];
const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * A body too large or not JSON is the client's mistake: answered 413 / 400 with what was wrong,
 * here, instead of reaching Nest's handler as an unknown error (logged as a server ERROR).
 */
function bodyErrors(
  error: { type?: string; length?: number; message?: string },
  _req: express.Request,
  res: express.Response,
  next: express.NextFunction,
): void {
  if (error.type === 'entity.too.large') {
    const size = error.length ? `${Math.ceil(error.length / 1024)} kB` : 'larger than allowed';
    res.status(413).json({ statusCode: 413, error: 'Payload Too Large', message: `The request body is ${size}; the limit is ${BODY_LIMIT_BYTES / 1024} kB.` });
    return;
  }
  if (error.type === 'entity.parse.failed') {
    res.status(400).json({ statusCode: 400, error: 'Bad Request', message: `The request body is not valid JSON: ${error.message ?? 'unreadable'}.` });
    return;
  }
  next(error);
}

export interface RunningNavigator {
  app: NestExpressApplication;
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
  const app = await NestFactory.create<NestExpressApplication>(appModuleFor(config), {
    logger: options.quiet ? ['error'] : LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
  });
  if (migrations.applied.length > 0) logger.log(`database migrated: ${migrations.applied.join(', ')}`);
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');
  app.use(express.json({ limit: BODY_LIMIT_BYTES }));
  app.use(bodyErrors);
  app.enableShutdownHooks();
  serveWebApp(app, config.webDir);
  await app.listen(config.port, config.host);

  const address = app.getHttpServer().address() as { port: number };
  const base = config.publicUrl ?? `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${address.port}`;
  const auth = app.get(AuthService);
  const workshop = app.get(WorkshopsService).workshop;
  const running: RunningNavigator = {
    app,
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
    if (req.method !== 'GET' || /^\/(api|auth|a|socket\.io|health|metrics)(\/|$)/.test(req.path) || path.extname(req.path)) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index, (error) => error && next());
  });
}
