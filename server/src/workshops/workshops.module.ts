import { Module } from '@nestjs/common';
import { AttendeeValuesService } from './attendee-values.service';
import { ClockGateway } from './clock.gateway';
import { RoomLanguageGateway } from './room-language.gateway';
import { RoomLanguageService } from './room-language.service';
import { WorkshopsController } from './workshops.controller';
import { WorkshopsService } from './workshops.service';

@Module({
  controllers: [WorkshopsController],
  providers: [WorkshopsService, AttendeeValuesService, ClockGateway, RoomLanguageService, RoomLanguageGateway],
  exports: [WorkshopsService, AttendeeValuesService, RoomLanguageService],
})
export class WorkshopsModule {}
