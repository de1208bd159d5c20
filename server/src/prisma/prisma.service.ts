import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { PrismaClient } from '../generated/prisma/client';

@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PrismaService.name);

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({ adapter: new PrismaBetterSQLite3({ url: `file:${config.databaseFile}`, timeout: 10_000 }) });
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
