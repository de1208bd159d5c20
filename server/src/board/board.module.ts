import { Module } from '@nestjs/common';
import { AttendeesModule } from '../attendees/attendees.module';
import { ProbesModule } from '../probes/probes.module';
import { BoardGateway } from './board.gateway';

@Module({ imports: [AttendeesModule, ProbesModule], providers: [BoardGateway] })
export class BoardModule {}
