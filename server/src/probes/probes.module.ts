import { Module } from '@nestjs/common';
import { ProgressModule } from '../progress/progress.module';
import { SshModule } from '../ssh/ssh.module';
import { TunnelModule } from '../tunnel/tunnel.module';
import { WorkshopsModule } from '../workshops/workshops.module';
import { CapturedVarsStore } from './captured-vars.store';
import { ProbeMetrics } from './probe.metrics';
import { ProbeScheduler } from './probe.scheduler';
import { StepWatchService } from './step-watch.service';
import { VmConnectionsService } from './vm-connections.service';
import { VmGateway } from './vm.gateway';
import { VmTargetStore } from './vm-target.store';

@Module({
  imports: [WorkshopsModule, SshModule, ProgressModule, TunnelModule],
  providers: [VmConnectionsService, ProbeScheduler, StepWatchService, ProbeMetrics, VmTargetStore, VmGateway, CapturedVarsStore],
  exports: [VmConnectionsService, ProbeScheduler, CapturedVarsStore],
})
export class ProbesModule {}
