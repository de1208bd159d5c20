import { ArgumentsHost, BadRequestException, Catch, ForbiddenException, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import type { Ack } from '../contract/events';
import { coded, isCoded } from '../contract/i18n/coded';
import { refusal } from '../contract/i18n/english';

/**
 * Every socket command is answered: a refused or invalid command gets `{ ok: false, error, coded }` in
 * its acknowledgement instead of an unanswered callback (`error` in English, `coded` for pages when
 * the refusal has a code). Unexpected errors are logged, not sent.
 */
@Catch()
export class AckErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AckErrorsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ack = host.getArgByIndex<unknown>(2);
    const answer = (result: Ack) => (typeof ack === 'function' ? (ack as (result: Ack) => void)(result) : undefined);
    if (exception instanceof BadRequestException) {
      const body = exception.getResponse() as { fields?: Record<string, string> };
      const fields = Object.entries(body.fields ?? {}).map(([field, message]) => `${field}: ${message}`);
      if (fields.length > 0) return answer(refusal('request.invalid_payload', { fields: fields.join('; ') }));
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse() as { error?: unknown };
      if (isCoded(body?.error)) return answer({ ok: false, error: exception.message, coded: body.error });
    }
    // Nest's own refusal of a role (a guard said no): said in its words, with a code.
    if ((exception instanceof WsException || exception instanceof ForbiddenException) && exception.message === 'Forbidden resource')
      return answer({ ok: false, error: exception.message, coded: coded('request.forbidden') });
    if (exception instanceof WsException || exception instanceof HttpException) return answer({ ok: false, error: exception.message });
    this.logger.error(`socket command failed: ${(exception as Error)?.stack ?? String(exception)}`);
    answer(refusal('request.unexpected'));
  }
}
