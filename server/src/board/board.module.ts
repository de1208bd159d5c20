import { Module } from '@nestjs/common';
import { AttendeesModule } from '../attendees/attendees.module';
import { DiscussionModule } from '../discussion/discussion.module';
import { HelpModule } from '../help/help.module';
import { ProgressModule } from '../progress/progress.module';
import { RetrospectiveModule } from '../retrospective/retrospective.module';
import { WorkshopsModule } from '../workshops/workshops.module';
import { BoardGateway } from './board.gateway';

@Module({ imports: [AttendeesModule, ProgressModule, DiscussionModule, HelpModule, WorkshopsModule, RetrospectiveModule], providers: [BoardGateway] })
export class BoardModule {}
