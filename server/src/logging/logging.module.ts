import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app.config';
import { LogOutput } from './log-output';
import { redactSecrets } from './log-redaction';
import { NavigatorLogger } from './navigator.logger';

const PINO_LEVELS = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' } as const;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

type Request = IncomingMessage & { id?: string | number; originalUrl?: string };

/** A caller's X-Request-Id is kept (so a proxy's id follows the request), else a new one; echoed back. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

const urlOf = (req: Request) => redactSecrets(req.originalUrl ?? req.url ?? '');

@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    const output = new LogOutput(config.logFormat);
    return {
      module: LoggingModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: [
            {
              level: PINO_LEVELS[config.logLevel],
              timestamp: () => `,"time":"${new Date().toISOString()}"`,
              base: { pid: process.pid },
              genReqId: requestId,
              customAttributeKeys: { reqId: 'reqId' },
              // Requests are debug: a workshop makes thousands; failures of the server are errors.
              customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'debug'),
              customSuccessMessage: (req, res) => `${req.method} ${urlOf(req as Request)} ${res.statusCode}`,
              customErrorMessage: (req, res) => `${req.method} ${urlOf(req as Request)} ${res.statusCode}`,
              autoLogging: { ignore: (req) => /^\/(health|metrics)(\?|$)/.test(req.url ?? '') },
              serializers: {
                req: (req: { id?: string; method?: string; url?: string; remoteAddress?: string }) => ({
                  id: req.id,
                  method: req.method,
                  url: redactSecrets(req.url ?? ''),
                  remoteAddress: req.remoteAddress,
                }),
                res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
              },
            },
            output,
          ],
        }),
      ],
      providers: [NavigatorLogger, { provide: LogOutput, useValue: output }],
      exports: [NavigatorLogger, LogOutput],
    };
  }
}
