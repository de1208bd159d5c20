import { Module } from '@nestjs/common';
import { WorkshopsModule } from '../workshops/workshops.module';
import { ProgressService } from './progress.service';
import { TransitionStore } from './transition.store';

@Module({ imports: [WorkshopsModule], providers: [ProgressService, TransitionStore], exports: [ProgressService] })
export class ProgressModule {}
