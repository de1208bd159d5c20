import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Socket } from 'socket.io';
import { AuthService, bearerFrom } from './auth.service';
import type { Principal, Role } from './principal';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

export type AuthenticatedRequest = Request & { principal?: Principal };

/** Deny by default: every HTTP route and socket event must say who may use it. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (!roles || roles.length === 0) throw new ForbiddenException('this endpoint declares no roles');

    if (context.getType() === 'ws') {
      const principal = (context.switchToWs().getClient<Socket>().data as { principal?: Principal }).principal;
      return !!principal && roles.includes(principal.role);
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.auth.resolve(
      { cookies: request.cookies as Record<string, string | undefined>, bearer: bearerFrom(request.headers.authorization) },
      roles,
    );
    if (!principal) throw new UnauthorizedException('sign in with your link: this page needs the ' + roles.join(' or ') + ' role');
    request.principal = principal;
    return true;
  }
}
