import { Module } from '@nestjs/common';
import { WorkshopsModule } from '../workshops/workshops.module';
import { HelpService } from './help.service';

@Module({ imports: [WorkshopsModule], providers: [HelpService], exports: [HelpService] })
export class HelpModule {}
