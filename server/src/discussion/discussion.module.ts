import { Module } from '@nestjs/common';
import { ProbesModule } from '../probes/probes.module';
import { WorkshopsModule } from '../workshops/workshops.module';
import { DiscussionGateway } from './discussion.gateway';
import { DiscussionService } from './discussion.service';

@Module({ imports: [WorkshopsModule, ProbesModule], providers: [DiscussionService, DiscussionGateway], exports: [DiscussionService] })
export class DiscussionModule {}
