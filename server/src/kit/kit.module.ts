import { Module } from '@nestjs/common';
import { WorkshopsModule } from '../workshops/workshops.module';
import { KitController } from './kit.controller';
import { KitService } from './kit.service';

@Module({ imports: [WorkshopsModule], controllers: [KitController], providers: [KitService] })
export class KitModule {}
