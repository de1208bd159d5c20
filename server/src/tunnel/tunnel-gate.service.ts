import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import { WorkshopsService } from '../workshops/workshops.service';
import { isAllowedBind, isIssuedKey, isTunnelLoginName } from './tunnel.rules';
import { TunnelKeyStore } from './tunnel-keys';

export interface PresentedKey {
  algo: string;
  data: Buffer;
  /** Present once the client signs: without it, the client only asks whether the key would do. */
  signature?: Buffer;
  blob?: Buffer;
  hashAlgo?: string;
}

/**
 * Who may open a tunnel and what it may ask for: an attendee of the current run registered in tunnel
 * mode, with the tunnel key issued to them (checked by its signature), asking for the one bind.
 */
@Injectable()
export class TunnelGate {
  constructor(
    private readonly prisma: PrismaService,
    private readonly workshops: WorkshopsService,
    private readonly keys: TunnelKeyStore,
  ) {}

  /** Whether this login (name = attendee id) proves it holds that attendee's tunnel key. */
  async admits(loginName: string, key: PresentedKey): Promise<boolean> {
    if (!isTunnelLoginName(loginName)) return false;
    const attendee = await this.prisma.attendee.findFirst({
      where: { id: loginName, runId: this.workshops.workshop.runId, vmAccess: 'tunnel' },
      select: { id: true },
    });
    if (!attendee) return false;
    const issued = await this.keys.publicKeyOf(attendee.id);
    if (!issued || !isIssuedKey(key, issued)) return false;
    // No signature yet: the client asks whether this key would be accepted; it must still sign.
    if (!key.signature || !key.blob) return true;
    return issued.verify(key.blob, key.signature, key.hashAlgo);
  }

  allowsBind(bind: { bindAddr: string; bindPort: number }, alreadyBound: boolean): boolean {
    return isAllowedBind(bind, alreadyBound);
  }
}
