import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { PrismaClient } from '../generated/prisma/client';
import { timedAdapter, type ObserveWrite } from './timed-adapter';

@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PrismaService.name);
  private readonly writeObservers: ObserveWrite[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const observers: ObserveWrite[] = [];
    const adapter = new PrismaBetterSQLite3({ url: `file:${config.databaseFile}`, timeout: 10_000 });
    super({ adapter: timedAdapter(adapter, (statement, seconds) => observers.forEach((observe) => observe(statement, seconds))) });
    this.writeObservers = observers;
  }

  /** Called with every write's duration (metrics listen here; the database layer knows nothing of them). */
  onWrite(observe: ObserveWrite): void {
    this.writeObservers.push(observe);
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
    // FULL: a write acknowledged to a person survives power loss too, not only a process crash.
    await this.$queryRawUnsafe('PRAGMA synchronous = FULL');
    await this.$queryRawUnsafe('PRAGMA foreign_keys = ON');
    this.logger.debug('database connected');
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }

  async ping(): Promise<void> {
    await this.$queryRawUnsafe('SELECT 1');
  }
}
