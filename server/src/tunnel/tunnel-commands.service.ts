import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { refused } from '../common/coded-http';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import type { TunnelView } from '../contract/views';
import { PrismaService } from '../prisma/prisma.service';
import { WorkshopsService } from '../workshops/workshops.service';
import { tunnelCommands } from './tunnel-commands';
import { TunnelEndpoint } from './tunnel.endpoint';
import { TunnelHostKey, TunnelKeyStore } from './tunnel-keys';

/** An attendee's tunnel commands: their tunnel key (issued the first time), Navigator's host key and where its endpoint is. */
@Injectable()
export class TunnelCommandsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TunnelHostKey) private readonly hostKey: TunnelHostKey | null,
    private readonly keys: TunnelKeyStore,
    private readonly endpoint: TunnelEndpoint,
    private readonly prisma: PrismaService,
    private readonly workshops: WorkshopsService,
  ) {}

  /** `baseUrl`: where the attendee reached Navigator; its host is where the VM reaches the endpoint too. */
  async commandsFor(attendeeId: string, baseUrl: string): Promise<TunnelView> {
    const port = this.endpoint.port ?? this.config.tunnelPort;
    if (!this.hostKey || port === null) throw refused(HttpStatus.NOT_FOUND, 'form.tunnels_off');
    const attendee = await this.prisma.attendee.findFirst({
      where: { id: attendeeId, runId: this.workshops.workshop.runId },
      select: { id: true, host: true, port: true, vmAccess: true },
    });
    if (!attendee || attendee.vmAccess !== 'tunnel') throw refused(HttpStatus.NOT_FOUND, 'request.no_tunnel');
    const commands = tunnelCommands({
      navigatorHost: new URL(baseUrl).hostname.replace(/^\[(.*)\]$/, '$1'),
      tunnelPort: port,
      hostPublicKey: this.hostKey.publicKey,
      attendeeId: attendee.id,
      privateKey: await this.keys.privateKeyFor(attendee.id),
      vmSshHost: attendee.host,
      vmSshPort: attendee.port,
    });
    return { openCommand: commands.open, installCommand: commands.install, knownHostsLine: commands.knownHostsLine };
  }
}
