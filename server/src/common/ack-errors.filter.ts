import { ArgumentsHost, BadRequestException, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import type { Ack } from '../contract/events';

/**
 * Every socket command is answered: a refused or invalid command gets `{ ok: false, error }` in its
 * acknowledgement instead of an unanswered callback. Unexpected errors are logged, not sent.
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
      return answer({ ok: false, error: fields.length > 0 ? `invalid payload (${fields.join('; ')})` : exception.message });
    }
    if (exception instanceof WsException || exception instanceof HttpException) return answer({ ok: false, error: exception.message });
    this.logger.error(`socket command failed: ${(exception as Error)?.stack ?? String(exception)}`);
    answer({ ok: false, error: 'Navigator could not do that: an unexpected error occurred.' });
  }
}
