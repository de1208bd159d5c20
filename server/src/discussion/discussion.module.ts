import { Module } from '@nestjs/common';
import { ProgressModule } from '../progress/progress.module';
import { WorkshopsModule } from '../workshops/workshops.module';
import { DiscussionGateway } from './discussion.gateway';
import { DiscussionService } from './discussion.service';

@Module({ imports: [WorkshopsModule, ProgressModule], providers: [DiscussionService, DiscussionGateway], exports: [DiscussionService] })
export class DiscussionModule {}
