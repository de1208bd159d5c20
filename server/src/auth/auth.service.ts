import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { PrismaService } from '../prisma/prisma.service';
import { deriveProjectorToken, loadOrCreateNavigatorSecret } from './auth.secrets';
import { ROLE_COOKIES, type Principal, type Role } from './principal';
import { hashToken, sameToken } from './token';

export interface Credentials {
  cookies: Record<string, string | undefined>;
  bearer: string | null;
}

@Injectable()
export class AuthService {
  readonly navigatorSecret: string;
  readonly projectorToken: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly prisma: PrismaService,
  ) {
    this.navigatorSecret = loadOrCreateNavigatorSecret(config.dataDir);
    this.projectorToken = deriveProjectorToken(this.navigatorSecret);
  }

  /** The principal for the first of `roles` that the credentials prove, or null. */
  async resolve(credentials: Credentials, roles: readonly Role[]): Promise<Principal | null> {
    for (const role of roles) {
      const candidates = [credentials.cookies[ROLE_COOKIES[role]], credentials.bearer].filter((t): t is string => !!t);
      for (const token of candidates) {
        const principal = await this.verify(role, token);
        if (principal) return principal;
      }
    }
    return null;
  }

  async verify(role: Role, token: string): Promise<Principal | null> {
    if (token.length > 200) return null;
    switch (role) {
      case 'navigator':
        return sameToken(token, this.navigatorSecret) ? { role: 'navigator' } : null;
      case 'projector':
        return sameToken(token, this.projectorToken) ? { role: 'projector' } : null;
      case 'helper': {
        const helper = await this.prisma.helper.findUnique({ where: { tokenHash: hashToken(token) }, select: { id: true, name: true, revokedAt: true } });
        return helper && !helper.revokedAt ? { role: 'helper', helperId: helper.id, name: helper.name } : null;
      }
      case 'attendee': {
        const attendee = await this.prisma.attendee.findUnique({
          where: { tokenHash: hashToken(token) },
          select: { id: true, run: { select: { archivedAt: true } } },
        });
        // A personal link ends with its run: an archived run is read-only, and its attendees' pages with it.
        return attendee && !attendee.run.archivedAt ? { role: 'attendee', attendeeId: attendee.id } : null;
      }
    }
  }
}

export function bearerFrom(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match ? match[1] : null;
}
