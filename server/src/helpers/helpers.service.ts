import { randomUUID } from 'node:crypto';
import { Injectable, NotFoundException } from '@nestjs/common';
import QRCode from 'qrcode';
import { hashToken, newToken } from '../auth/token';
import { fieldsRefused } from '../common/coded-http';
import { DomainEventBus } from '../common/domain-events';
import { nameSkeleton } from '../common/human-text';
import { coded } from '../contract/i18n/coded';
import type { HelperView, NewHelperView } from '../contract/views';
import type { Helper } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';

/** The navigator's helpers: each has a link of their own (only its hash is stored) until it is revoked. */
@Injectable()
export class HelpersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly events: DomainEventBus,
  ) {}

  async create(name: string, baseUrl: string): Promise<NewHelperView> {
    // Two helpers who read the same would make "Sam is on it" ambiguous.
    const active = await this.prisma.helper.findMany({ where: { revokedAt: null }, select: { name: true } });
    if (active.some((other) => nameSkeleton(other.name) === nameSkeleton(name))) {
      throw fieldsRefused({ name: coded('form.helper_exists', { name }) });
    }
    const token = newToken();
    const helper = await this.prisma.helper.create({ data: { id: randomUUID(), name, tokenHash: hashToken(token) } });
    const link = `${baseUrl}/h/${token}`;
    // A helper walking the room scans it from the navigator's screen rather than typing 40 characters.
    const qrSvg = await QRCode.toString(link, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    return { helper: helperView(helper), link, qrSvg };
  }

  async list(): Promise<HelperView[]> {
    return (await this.prisma.helper.findMany({ orderBy: { createdAt: 'asc' } })).map(helperView);
  }

  /** The link stops signing in at once, and the helper's open boards are closed. Revoking twice changes nothing. */
  async revoke(helperId: string): Promise<void> {
    const helper = await this.prisma.helper.findUnique({ where: { id: helperId } });
    if (!helper) throw new NotFoundException(`no helper ${helperId}`);
    if (helper.revokedAt) return;
    await this.prisma.helper.update({ where: { id: helperId }, data: { revokedAt: new Date() } });
    this.events.emit('helper.revoked', { helperId });
  }
}

function helperView(helper: Helper): HelperView {
  return { id: helper.id, name: helper.name, createdAt: helper.createdAt.toISOString(), revokedAt: helper.revokedAt?.toISOString() ?? null };
}
