import { Inject, Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { ROLE_COOKIES, type Role } from './principal';

/**
 * The role cookies: HttpOnly, SameSite=Lax, and Secure whenever Navigator is reached over https
 * (its public URL is https, or the request came over TLS; behind a proxy, NAVIGATOR_TRUST_PROXY
 * decides whether its X-Forwarded-Proto counts).
 */
@Injectable()
export class SessionCookies {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private options(req: Request): CookieOptions {
    const secure = req.secure || (this.config.publicUrl?.startsWith('https:') ?? false);
    return { httpOnly: true, sameSite: 'lax', path: '/', secure, maxAge: 7 * 24 * 3600 * 1000 };
  }

  set(req: Request, res: Response, role: Role, token: string): void {
    res.cookie(ROLE_COOKIES[role], token, this.options(req));
  }

  /** Signs the browser out of every role. */
  clearAll(req: Request, res: Response): void {
    const { maxAge: _maxAge, ...options } = this.options(req);
    for (const name of Object.values(ROLE_COOKIES)) res.clearCookie(name, options);
  }
}
