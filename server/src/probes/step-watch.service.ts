import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Ticker } from '../common/ticker';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { ProgressService } from '../progress/progress.service';
import type { VmChannel } from '../ssh/ssh.types';
import { WorkshopsService } from '../workshops/workshops.service';
import { watchableChecks } from './probe-plan';
import { ProbeScheduler } from './probe.scheduler';
import { buildWatchScript, planSshChecks } from './ssh-script';
import { VmConnectionsService } from './vm-connections.service';

interface Watch {
  channel: VmChannel;
  /** The checks it reads, by id: a new current step, a new watch. */
  key: string;
  shell: { tick(): void; close(): void } | null;
  /** The script runs: it said so (a forced command or a menu in its place gets no ticks). */
  ready: boolean;
  closed: boolean;
}

/**
 * Sees a change on a VM within a tick (issue 21: change → board within 1.5 s) without probing
 * faster: on each connected VM a second shell runs the current step's builtin checks at every tick
 * and says only when their results changed; Navigator then probes that VM at once. A tick is one
 * small write per VM and no process on the VM; nothing comes back while nothing changes. The sweep
 * still runs every interval, for everything else (programs, HTTP, other steps).
 */
@Injectable()
export class StepWatchService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StepWatchService.name);
  private readonly watches = new Map<string, Watch>();
  /** Connections whose watch was refused or ended by itself (a shell without `local`, an account that ends it): not tried again on them. */
  private readonly refused = new WeakSet<VmChannel>();
  private stopTicking: () => void = () => undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly workshops: WorkshopsService,
    private readonly connections: VmConnectionsService,
    private readonly progress: ProgressService,
    private readonly scheduler: ProbeScheduler,
    private readonly ticker: Ticker,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.watchTickMs > 0) this.stopTicking = this.ticker.every(this.config.watchTickMs, () => this.tick());
  }

  onModuleDestroy(): void {
    this.stopTicking();
    for (const watch of this.watches.values()) this.end(watch);
    this.watches.clear();
  }

  /** Each VM's watch follows its connection and current step; then every watch reads once. */
  tick(): void {
    const workshop = this.workshops.workshop.definition;
    const live = new Set<string>();
    for (const attendeeId of this.connections.watchedIds()) {
      const channel = this.connections.channelOf(attendeeId);
      const checks = channel?.watch && !this.refused.has(channel) ? watchableChecks(workshop, this.progress.currentStepOf(attendeeId)) : [];
      const key = checks.map((check) => check.id).join(' ');
      let watch = this.watches.get(attendeeId);
      if (watch && (watch.channel !== channel || watch.key !== key || watch.closed)) {
        this.end(watch);
        this.watches.delete(attendeeId);
        watch = undefined;
      }
      if (!watch && channel && checks.length > 0) {
        watch = this.start(attendeeId, channel, planSshChecks(checks, workshop.probe.checkTimeoutSeconds), key);
        this.watches.set(attendeeId, watch);
      }
      if (watch) live.add(attendeeId);
      if (watch?.ready) watch.shell?.tick();
    }
    for (const [attendeeId, watch] of this.watches)
      if (!live.has(attendeeId)) {
        this.end(watch);
        this.watches.delete(attendeeId);
      }
  }

  private start(attendeeId: string, channel: VmChannel, checks: ReturnType<typeof planSshChecks>, key: string): Watch {
    const watch: Watch = { channel, key, shell: null, ready: false, closed: false };
    const { script, readyLine, changedLine } = buildWatchScript(checks);
    channel.watch!(
      script,
      (line) => {
        // What changed between the probe that moved the step (or the connection) and the watch's first look is told
        // by no tick: one probe now covers it.
        if (line === readyLine && !watch.ready) {
          watch.ready = true;
          this.scheduler.probeChanged(attendeeId);
        } else if (line === changedLine && watch.ready) this.scheduler.probeChanged(attendeeId);
      },
      () => {
        if (!watch.closed) this.refused.add(channel);
        watch.closed = true;
      },
    )
      .then((shell) => {
        if (watch.closed) shell.close();
        else watch.shell = shell;
      })
      .catch((error: Error) => {
        // Refused (sshd's MaxSessions, a forced command): the sweep alone serves this connection, no retry every tick.
        this.logger.debug(`no watch on ${attendeeId}'s VM: ${error.message}`);
        this.refused.add(channel);
        watch.closed = true;
      });
    return watch;
  }

  private end(watch: Watch): void {
    watch.closed = true;
    watch.shell?.close();
  }
}
