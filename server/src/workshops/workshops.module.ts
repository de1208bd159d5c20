import { Module } from '@nestjs/common';
import { AttendeeValuesService } from './attendee-values.service';
import { ClockGateway } from './clock.gateway';
import { WorkshopsController } from './workshops.controller';
import { WorkshopsService } from './workshops.service';

@Module({
  controllers: [WorkshopsController],
  providers: [WorkshopsService, AttendeeValuesService, ClockGateway],
  exports: [WorkshopsService, AttendeeValuesService],
})
export class WorkshopsModule {}
