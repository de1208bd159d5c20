import { Module } from '@nestjs/common';
import { ProbesModule } from '../probes/probes.module';
import { ProgressModule } from '../progress/progress.module';
import { SshModule } from '../ssh/ssh.module';
import { WorkshopsModule } from '../workshops/workshops.module';
import { AttendeeImportController } from './attendee-import.controller';
import { AttendeeImportService } from './attendee-import.service';
import { AttendeesController } from './attendees.controller';
import { AttendeesService } from './attendees.service';

@Module({
  imports: [WorkshopsModule, ProgressModule, SshModule, ProbesModule],
  controllers: [AttendeesController, AttendeeImportController],
  providers: [AttendeesService, AttendeeImportService],
  exports: [AttendeesService],
})
export class AttendeesModule {}
