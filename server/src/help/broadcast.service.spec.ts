import { describe, expect, it } from 'vitest';
import { DomainEventBus } from '../common/domain-events';
import { BroadcastService } from './broadcast.service';

describe('BroadcastService', () => {
  it('shows the newest message, keeps a history, and takes the banner down without losing it', () => {
    const events = new DomainEventBus();
    let changes = 0;
    events.on('broadcast.changed', () => changes++);
    const broadcast = new BroadcastService(events);
    expect(broadcast.send('  Break until 11:00  ')).toEqual({ ok: true });
    expect(broadcast.send('Step 3 is optional')).toEqual({ ok: true });
    expect(broadcast.view().current?.text).toBe('Step 3 is optional');
    expect(broadcast.view().history.map((m) => m.text)).toEqual(['Step 3 is optional', 'Break until 11:00']);
    expect(broadcast.clear()).toEqual({ ok: true });
    expect(broadcast.view().current).toBeNull();
    expect(broadcast.view().history).toHaveLength(2);
    expect(changes).toBe(3);
  });

  it('refuses an empty, an overlong or a control-character message', () => {
    const broadcast = new BroadcastService(new DomainEventBus());
    expect(broadcast.send('   ').ok).toBe(false);
    expect(broadcast.send('x'.repeat(281)).ok).toBe(false);
    expect(broadcast.send('bell\u0007').ok).toBe(false);
    expect(broadcast.view().history).toEqual([]);
  });

  it('starts a new run with no banner', () => {
    const events = new DomainEventBus();
    const broadcast = new BroadcastService(events);
    broadcast.send('Welcome');
    events.emit('run.started', { previousRunId: 'a', runId: 'b' });
    expect(broadcast.view()).toEqual({ current: null, history: [] });
  });
});
