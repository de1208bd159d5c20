import { randomInt } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { PrismaService } from '../prisma/prisma.service';
import { loadWorkshopFile } from './workshop.loader';
import type { ClockView } from '../board/board.events';
import type { WorkshopDefinition } from './workshop.schema';

/** Letters and digits nobody confuses when reading them off a projector. */
const JOIN_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export interface ActiveWorkshop {
  id: string;
  definition: WorkshopDefinition;
  joinCode: string;
}

export interface WorkshopClock {
  startedAt: Date | null;
  pausedAt: Date | null;
  pausedTotalMs: number;
}

@Injectable()
export class WorkshopsService implements OnModuleInit {
  private readonly logger = new Logger(WorkshopsService.name);
  private active: ActiveWorkshop | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
  ) {}

  async onModuleInit(): Promise<void> {
    const loaded = loadWorkshopFile(this.config.workshopFile);
    const { definition, hash } = loaded;
    const definitionJson = JSON.stringify(definition);
    const existing = await this.prisma.workshop.findUnique({ where: { id: definition.id } });
    const joinCode = existing?.joinCode ?? newJoinCode();
    await this.prisma.$transaction([
      this.prisma.workshop.upsert({
        where: { id: definition.id },
        create: { id: definition.id, title: definition.title, sourceFile: loaded.file, definitionJson, definitionHash: hash, joinCode },
        update: { title: definition.title, sourceFile: loaded.file, definitionJson, definitionHash: hash, loadedAt: new Date() },
      }),
      this.prisma.workshopRevision.upsert({
        where: { workshopId_definitionHash: { workshopId: definition.id, definitionHash: hash } },
        create: { workshopId: definition.id, definitionHash: hash, definitionJson },
        update: {},
      }),
    ]);
    if (existing && existing.definitionHash !== hash) this.logger.log(`workshop "${definition.id}" changed since the last start; new revision stored`);
    this.active = { id: definition.id, definition, joinCode };
    this.logger.log(`workshop "${definition.title}" loaded from ${loaded.file}: ${definition.steps.length} steps`);
  }

  get workshop(): ActiveWorkshop {
    if (!this.active) throw new Error('workshop not loaded yet');
    return this.active;
  }

  async clock(): Promise<WorkshopClock> {
    const row = await this.prisma.workshop.findUniqueOrThrow({ where: { id: this.workshop.id } });
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
      await this.prisma.workshop.update({ where: { id: this.workshop.id }, data: { clockStartedAt: now, clockPausedAt: null, clockPausedTotalMs: 0 } });
    } else if (clock.pausedAt) {
      await this.prisma.workshop.update({
        where: { id: this.workshop.id },
        data: { clockPausedAt: null, clockPausedTotalMs: clock.pausedTotalMs + (now.getTime() - clock.pausedAt.getTime()) },
      });
    }
    return this.clock();
  }

  async pauseClock(now = new Date()): Promise<WorkshopClock> {
    const clock = await this.clock();
    if (clock.startedAt && !clock.pausedAt) await this.prisma.workshop.update({ where: { id: this.workshop.id }, data: { clockPausedAt: now } });
    return this.clock();
  }

  async resetClock(): Promise<WorkshopClock> {
    await this.prisma.workshop.update({ where: { id: this.workshop.id }, data: { clockStartedAt: null, clockPausedAt: null, clockPausedTotalMs: 0 } });
    return this.clock();
  }
}

function newJoinCode(): string {
  return Array.from({ length: 6 }, () => JOIN_CODE_ALPHABET[randomInt(JOIN_CODE_ALPHABET.length)]).join('');
}
