import { Controller, Get, Param, Query, Res, UnauthorizedException } from '@nestjs/common';
import type { Response } from 'express';
import { AuthService } from './auth.service';
import { ROLE_COOKIES, type Role } from './principal';
import { Public } from './roles.decorator';

const COOKIE_OPTIONS = { httpOnly: true, sameSite: 'lax' as const, path: '/', maxAge: 7 * 24 * 3600 * 1000 };

/** Turns a secret link into a cookie, then sends the person to their page without the secret in the address bar. */
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Get('auth/navigator')
  async navigator(@Query('token') token: string | undefined, @Res() res: Response): Promise<void> {
    await this.signIn('navigator', token, res, '/board');
  }

  @Public()
  @Get('auth/projector')
  async projector(@Query('token') token: string | undefined, @Res() res: Response): Promise<void> {
    await this.signIn('projector', token, res, '/projector');
  }

  @Public()
  @Get('a/:token')
  async attendee(@Param('token') token: string, @Res() res: Response): Promise<void> {
    await this.signIn('attendee', token, res, '/me');
  }

  private async signIn(role: Role, token: string | undefined, res: Response, to: string): Promise<void> {
    if (!token || !(await this.auth.verify(role, token))) throw new UnauthorizedException('this link is not valid (any more); ask the navigator for a new one');
    res.cookie(ROLE_COOKIES[role], token, COOKIE_OPTIONS);
    res.redirect(303, to);
  }
}

export { COOKIE_OPTIONS };
