import { randomInt } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DomainEventBus } from '../common/domain-events';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import type { ClockView } from '../contract/views';
import { PrismaService } from '../prisma/prisma.service';
import { loadWorkshopFile, type LoadedWorkshop } from './workshop.loader';
import type { ResolvedKit } from '../kit/kit-files';
import { workshopText, type WorkshopDefinition } from './workshop.schema';

/** Letters and digits nobody confuses when reading them off a projector. */
const JOIN_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export interface ActiveWorkshop {
  id: string;
  definition: WorkshopDefinition;
  joinCode: string;
  /** The run being given now: attendees, groups, timers and the clock belong to it. */
  runId: string;
  runNumber: number;
  /** The kit Navigator serves (/kit/), as found when the file was loaded; null without one. */
  kit: ResolvedKit | null;
}

/** A run's id: readable, and unique because a workshop numbers its runs. */
export function runIdFor(workshopId: string, number: number): string {
  return `${workshopId}-run-${number}`;
}

export type ClockAction = 'start' | 'pause' | 'reset';

export interface WorkshopClock {
  startedAt: Date | null;
  pausedAt: Date | null;
  pausedTotalMs: number;
}

@Injectable()
export class WorkshopsService implements OnModuleInit {
  private readonly logger = new Logger(WorkshopsService.name);
  private active: ActiveWorkshop | null = null;
  private checkSteps = new Map<string, string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly events: DomainEventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    const loaded = loadWorkshopFile(this.config.workshopFile);
    const { definition, hash } = loaded;
    const existing = await this.prisma.workshop.findUnique({ where: { id: definition.id } });
    const joinCode = existing?.joinCode ?? newJoinCode();
    await this.storeDefinition(loaded, joinCode);
    const run =
      (await this.prisma.run.findFirst({ where: { workshopId: definition.id, archivedAt: null }, orderBy: { number: 'desc' } })) ??
      (await this.prisma.run.create({ data: { id: runIdFor(definition.id, 1), workshopId: definition.id, number: 1, definitionHash: hash } }));
    // The active run is given with the definition loaded last.
    if (run.definitionHash !== hash) await this.prisma.run.update({ where: { id: run.id }, data: { definitionHash: hash } });
    if (existing && existing.definitionHash !== hash) this.logger.log(`workshop "${definition.id}" changed since the last start; new revision stored`);
    this.activate(loaded, joinCode, run);
    this.logger.log(`workshop "${workshopText(definition, definition.title)}" loaded from ${loaded.file}: ${definition.steps.length} steps, run ${run.number}`);
  }

  /**
   * Archives the active run and starts the next one, with the workshop file as it is now (same or updated) and a
   * new join code. A file that no longer loads throws with its errors, and the active run goes on.
   */
  async startNewRun(now = new Date()): Promise<ActiveWorkshop> {
    const loaded = loadWorkshopFile(this.config.workshopFile);
    const previous = this.workshop;
    if (loaded.definition.id !== previous.id)
      throw new WorkshopChangedError(
        `the workshop file now has id "${loaded.definition.id}", not "${previous.id}": restart Navigator to give another workshop`,
      );
    const joinCode = newJoinCode();
    const number = previous.runNumber + 1;
    const clock = await this.clock();
    const run = await this.prisma.$transaction(async (tx) => {
      await tx.run.update({
        where: { id: previous.runId },
        // An archived run's clock stops where it was, so its figures never move again.
        data: { archivedAt: now, clockPausedAt: clock.startedAt && !clock.pausedAt ? now : clock.pausedAt },
      });
      return tx.run.create({ data: { id: runIdFor(previous.id, number), workshopId: previous.id, number, definitionHash: loaded.hash, startedAt: now } });
    });
    await this.storeDefinition(loaded, joinCode);
    this.activate(loaded, joinCode, run);
    this.logger.log(`run ${previous.runNumber} archived; run ${number} started with ${loaded.file}`);
    this.events.emit('run.started', { previousRunId: previous.runId, runId: run.id });
    this.events.emit('clock.changed', {});
    return this.workshop;
  }

  /** A new join code for the active run (a leaked link, a brute-force attempt): the old one registers nobody from now on. */
  async rotateJoinCode(): Promise<string> {
    const joinCode = newJoinCode();
    await this.prisma.workshop.update({ where: { id: this.workshop.id }, data: { joinCode } });
    this.active = { ...this.workshop, joinCode };
    this.logger.log('join code rotated');
    this.events.emit('join-code.changed', {});
    return joinCode;
  }

  private async storeDefinition(loaded: LoadedWorkshop, joinCode: string): Promise<void> {
    const { definition, hash } = loaded;
    const definitionJson = JSON.stringify(definition);
    const title = workshopText(definition, definition.title);
    await this.prisma.$transaction([
      this.prisma.workshop.upsert({
        where: { id: definition.id },
        create: { id: definition.id, title, sourceFile: loaded.file, definitionJson, definitionHash: hash, joinCode },
        update: { title, sourceFile: loaded.file, definitionJson, definitionHash: hash, joinCode, loadedAt: new Date() },
      }),
      this.prisma.workshopRevision.upsert({
        where: { workshopId_definitionHash: { workshopId: definition.id, definitionHash: hash } },
        create: { workshopId: definition.id, definitionHash: hash, definitionJson },
        update: {},
      }),
    ]);
  }

  private activate({ definition, kit }: LoadedWorkshop, joinCode: string, run: { id: string; number: number }): void {
    this.active = { id: definition.id, definition, joinCode, runId: run.id, runNumber: run.number, kit };
    this.checkSteps = new Map(definition.steps.flatMap((step) => step.checks.map((check) => [check.id, step.id] as const)));
  }

  get workshop(): ActiveWorkshop {
    if (!this.active) throw new Error('workshop not loaded yet');
    return this.active;
  }

  /** The step each check belongs to. */
  get stepIdOfCheck(): ReadonlyMap<string, string> {
    return this.checkSteps;
  }

  async controlClock(action: ClockAction): Promise<void> {
    switch (action) {
      case 'start':
        await this.startClock();
        break;
      case 'pause':
        await this.pauseClock();
        break;
      case 'reset':
        await this.resetClock();
        break;
    }
    this.events.emit('clock.changed', {});
  }

  async clock(): Promise<WorkshopClock> {
    const row = await this.prisma.run.findUniqueOrThrow({ where: { id: this.workshop.runId } });
    return { startedAt: row.clockStartedAt, pausedAt: row.clockPausedAt, pausedTotalMs: row.clockPausedTotalMs };
  }

  async clockView(now = new Date()): Promise<ClockView> {
    const clock = await this.clock();
    return {
      startedAt: clock.startedAt?.toISOString() ?? null,
      pausedAt: clock.pausedAt?.toISOString() ?? null,
      pausedTotalMs: clock.pausedTotalMs,
      serverTime: now.toISOString(),
    };
  }

  async startClock(now = new Date()): Promise<WorkshopClock> {
    const clock = await this.clock();
    if (!clock.startedAt) {
      await this.prisma.run.update({ where: { id: this.workshop.runId }, data: { clockStartedAt: now, clockPausedAt: null, clockPausedTotalMs: 0 } });
    } else if (clock.pausedAt) {
      await this.prisma.run.update({
        where: { id: this.workshop.runId },
        data: { clockPausedAt: null, clockPausedTotalMs: clock.pausedTotalMs + (now.getTime() - clock.pausedAt.getTime()) },
      });
    }
    return this.clock();
  }

  async pauseClock(now = new Date()): Promise<WorkshopClock> {
    const clock = await this.clock();
    if (clock.startedAt && !clock.pausedAt) await this.prisma.run.update({ where: { id: this.workshop.runId }, data: { clockPausedAt: now } });
    return this.clock();
  }

  async resetClock(): Promise<WorkshopClock> {
    await this.prisma.run.update({ where: { id: this.workshop.runId }, data: { clockStartedAt: null, clockPausedAt: null, clockPausedTotalMs: 0 } });
    return this.clock();
  }
}

export class WorkshopChangedError extends Error {}

function newJoinCode(): string {
  return Array.from({ length: 6 }, () => JOIN_CODE_ALPHABET[randomInt(JOIN_CODE_ALPHABET.length)]).join('');
}
