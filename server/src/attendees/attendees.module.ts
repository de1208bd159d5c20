import { Module } from '@nestjs/common';
import { ProbesModule } from '../probes/probes.module';
import { WorkshopsModule } from '../workshops/workshops.module';
import { AttendeesController } from './attendees.controller';
import { AttendeesService } from './attendees.service';

@Module({
  imports: [WorkshopsModule, ProbesModule],
  controllers: [AttendeesController],
  providers: [AttendeesService],
  exports: [AttendeesService],
})
export class AttendeesModule {}
