import { Module } from '@nestjs/common';
import { WorkshopsModule } from '../workshops/workshops.module';
import { TransitionHistoryReader } from './history.reader';
import { LiveRoomService } from './live-room.service';
import { ReportBundleFiles } from './report-bundle';
import { RetrospectiveService } from './retrospective.service';
import { RunArchiveStore } from './run-archive.store';
import { RunsController } from './runs.controller';
import { SharedRetrospectiveController } from './shared.controller';

@Module({
  imports: [WorkshopsModule],
  controllers: [RunsController, SharedRetrospectiveController],
  providers: [RetrospectiveService, RunArchiveStore, ReportBundleFiles, LiveRoomService, TransitionHistoryReader],
  exports: [RetrospectiveService, LiveRoomService],
})
export class RetrospectiveModule {}
