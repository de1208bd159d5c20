import { ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { refused } from '../common/coded-http';
import { PUBLIC_KEY } from './roles.decorator';

/**
 * Rate limits for the routes anyone can call (join code, sign-in links, shared reports, health,
 * metrics): keyed on the client's address as Express sees it, so X-Forwarded-For counts only when
 * NAVIGATOR_TRUST_PROXY says the proxy in front is trusted. Signed-in routes are not throttled here.
 */
@Injectable()
export class PublicThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    return !this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()]);
  }

  /** 429 with the limit as a code beside its English (reasons.limit.public_requests). */
  protected override throwThrottlingException(): Promise<void> {
    throw refused(HttpStatus.TOO_MANY_REQUESTS, 'limit.public_requests');
  }
}
