import { Global, Module } from '@nestjs/common';
import { DomainEventBus } from './domain-events';
import { Ticker } from './ticker';

@Global()
@Module({ providers: [DomainEventBus, Ticker], exports: [DomainEventBus, Ticker] })
export class CommonModule {}
