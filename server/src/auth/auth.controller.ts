import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { refused } from '../common/coded-http';
import { ZodPipe } from '../common/zod.pipe';
import { coded } from '../contract/i18n/coded';
import { AuthService } from './auth.service';
import type { Role } from './principal';
import { Public } from './roles.decorator';
import { SessionCookies } from './session-cookies';

/** A link's token: one printable string (a repeated ?token= is an array, and refused here). */
const token = new ZodPipe(
  z
    .string()
    .regex(/^[\w-]{1,200}$/, 'not a Navigator token')
    .optional(),
  coded('request.link_malformed'),
);

/** Turns a secret link into a cookie, then sends the person to their page without the secret in the address bar. */
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly cookies: SessionCookies,
  ) {}

  @Public()
  @Get('auth/navigator')
  async navigator(@Query('token', token) value: string | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.signIn('navigator', value, req, res, '/board');
  }

  @Public()
  @Get('auth/projector')
  async projector(@Query('token', token) value: string | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.signIn('projector', value, req, res, '/projector');
  }

  @Public()
  @Get('a/:token')
  async attendee(@Param('token', token) value: string | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.signIn('attendee', value, req, res, '/me');
  }

  /** A helper's own link: the board, to answer raised hands. */
  @Public()
  @Get('h/:token')
  async helper(@Param('token', token) value: string | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.signIn('helper', value, req, res, '/board');
  }

  /** Signs this browser out of every role; the links themselves keep working. */
  @Public()
  @Post('auth/logout')
  @HttpCode(204)
  logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): void {
    this.cookies.clearAll(req, res);
  }

  private async signIn(role: Role, value: string | undefined, req: Request, res: Response, to: string): Promise<void> {
    if (!value || !(await this.auth.verify(role, value))) throw refused(HttpStatus.UNAUTHORIZED, 'request.link_invalid');
    this.cookies.set(req, res, role, value);
    res.redirect(303, to);
  }
}
