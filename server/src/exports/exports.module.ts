import { Module } from '@nestjs/common';
import { DiscussionModule } from '../discussion/discussion.module';
import { WorkshopsModule } from '../workshops/workshops.module';
import { ExportsController } from './exports.controller';
import { ExportsService } from './exports.service';

@Module({ imports: [WorkshopsModule, DiscussionModule], controllers: [ExportsController], providers: [ExportsService] })
export class ExportsModule {}
