import { Module } from '@nestjs/common';
import { DiscussionModule } from '../discussion/discussion.module';
import { HelpModule } from '../help/help.module';
import { WorkshopsModule } from '../workshops/workshops.module';
import { AttendeesModule } from '../attendees/attendees.module';
import { ProbesModule } from '../probes/probes.module';
import { BoardGateway } from './board.gateway';

@Module({ imports: [AttendeesModule, ProbesModule, DiscussionModule, HelpModule, WorkshopsModule], providers: [BoardGateway] })
export class BoardModule {}
