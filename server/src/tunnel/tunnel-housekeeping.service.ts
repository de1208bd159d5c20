import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DomainEventBus } from '../common/domain-events';
import { MetricsService } from '../metrics/metrics.service';
import { PrismaService } from '../prisma/prisma.service';
import { TunnelKeyStore } from './tunnel-keys';
import { TunnelRegistry } from './tunnel.registry';

/**
 * A tunnel lasts only while its attendee may have one: removed, switched to "Navigator can reach my VM", or their
 * run ended, the tunnel is ended (and a removed attendee's tunnel key deleted, so it opens nothing again).
 */
@Injectable()
export class TunnelHousekeeping implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TunnelHousekeeping.name);
  private readonly stop: (() => void)[] = [];

  constructor(
    private readonly events: DomainEventBus,
    private readonly registry: TunnelRegistry,
    private readonly keys: TunnelKeyStore,
    private readonly prisma: PrismaService,
    metrics: MetricsService,
  ) {
    metrics.gauge('navigator_tunnels_open', 'Tunnels open now from VMs behind NAT (NAVIGATOR_TUNNEL_PORT)', [], (set) => set({}, this.registry.openCount));
  }

  onApplicationBootstrap(): void {
    this.stop.push(
      this.events.on('attendee.removed', ({ attendeeId }) => {
        this.registry.end(attendeeId);
        this.keys.remove(attendeeId).catch((error: Error) => this.logger.warn(`could not delete a tunnel key: ${error.message}`));
      }),
      this.events.on('attendee.changed', ({ attendeeId }) => {
        if (!this.registry.isOpen(attendeeId)) return;
        this.prisma.attendee
          .findUnique({ where: { id: attendeeId }, select: { vmAccess: true } })
          .then((attendee) => attendee?.vmAccess !== 'tunnel' && this.registry.end(attendeeId))
          .catch((error: Error) => this.logger.warn(`could not check an attendee's tunnel: ${error.message}`));
      }),
      this.events.on('run.started', () => this.registry.endAll()),
    );
  }

  onModuleDestroy(): void {
    this.stop.forEach((stop) => stop());
  }
}
