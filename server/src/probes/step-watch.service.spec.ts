import { describe, expect, it, vi } from 'vitest';
import type { Ticker } from '../common/ticker';
import { loadConfig } from '../config/app.config';
import type { ProgressService } from '../progress/progress.service';
import type { VmChannel } from '../ssh/ssh.types';
import { workshopSchema } from '../workshops/workshop.schema';
import type { WorkshopsService } from '../workshops/workshops.service';
import type { ProbeScheduler } from './probe.scheduler';
import { StepWatchService } from './step-watch.service';
import type { VmConnectionsService } from './vm-connections.service';

const definition = workshopSchema.parse({
  id: 'w',
  title: 'W',
  steps: [
    { id: 'files', title: 'F', minutes: 5, checks: [{ id: 'flag', title: 'x', ssh: { run: 'test -f ~/flag' } }] },
    { id: 'programs', title: 'P', minutes: 5, checks: [{ id: 'grep', title: 'x', ssh: { run: 'grep -q x ~/flag' } }] },
  ],
});

/** A VM channel whose watch is scripted: each call records the script and answers as the test says. */
function vmWith(watch: VmChannel['watch']): VmChannel & { watch: ReturnType<typeof vi.fn> } {
  return {
    runInShell: () => Promise.reject(new Error('not used')),
    request: () => Promise.reject(new Error('not used')),
    watch: vi.fn(watch),
  } as unknown as VmChannel & { watch: ReturnType<typeof vi.fn> };
}

function serviceFor(channel: VmChannel, step: { current: string | null }) {
  const probeChanged = vi.fn();
  const service = new StepWatchService(
    loadConfig({}, '/tmp'),
    { workshop: { definition } } as unknown as WorkshopsService,
    { watchedIds: () => ['ada'], channelOf: () => channel } as unknown as VmConnectionsService,
    { currentStepOf: () => step.current } as unknown as ProgressService,
    { probeChanged } as unknown as ProbeScheduler,
    { every: () => () => undefined } as unknown as Ticker,
  );
  return { service, probeChanged };
}

describe('StepWatchService', () => {
  it('watches the current step’s builtin checks, ticks once the watch is ready, probes on a change, and follows the step', async () => {
    const ticks: number[] = [];
    const lines: ((line: string) => void)[] = [];
    const closed: number[] = [];
    const channel = vmWith((_script, onLine) => {
      const index = lines.push(onLine) - 1;
      return Promise.resolve({ tick: () => ticks.push(index), close: () => closed.push(index) });
    });
    const step = { current: 'files' as string | null };
    const { service, probeChanged } = serviceFor(channel, step);
    service.tick();
    expect(channel.watch).toHaveBeenCalledTimes(1);
    expect(channel.watch.mock.calls[0][0]).toContain('test -f ~/flag');
    await Promise.resolve();
    service.tick();
    // Not ready yet: no tick goes to a shell that has not said it runs the script.
    expect(ticks).toEqual([]);
    const nonce = /\nN=(\w+)\n/.exec(channel.watch.mock.calls[0][0] as string)![1];
    lines[0](`@@${nonce}:watching`);
    expect(probeChanged).toHaveBeenCalledTimes(1); // what changed before its first look
    service.tick();
    expect(ticks).toEqual([0]);
    lines[0]('noise');
    lines[0](`@@${nonce}:changed`);
    expect(probeChanged).toHaveBeenCalledTimes(2);
    // The step moves to one with nothing to watch: the watch ends.
    step.current = 'programs';
    service.tick();
    expect(closed).toEqual([0]);
    expect(channel.watch).toHaveBeenCalledTimes(1);
  });

  it('does not ask again on a connection that refused a watch (sshd’s MaxSessions), tick after tick', async () => {
    const channel = vmWith(() => Promise.reject(new Error('open failed')));
    const { service } = serviceFor(channel, { current: 'files' });
    for (let i = 0; i < 5; i++) {
      service.tick();
      await new Promise((r) => setImmediate(r));
    }
    expect(channel.watch).toHaveBeenCalledTimes(1);
  });
});
