import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';

/**
 * What services announce; the board gateway is the one listener that turns these into pushes.
 * Payloads are ids and facts, never views: the gateway shapes them per role.
 */
export interface DomainEvents {
  'attendee.registered': { attendeeId: string };
  'attendee.changed': { attendeeId: string };
  'vm.connection': { attendeeId: string };
  'progress.changed': { attendeeId: string };
  'discussion.changed': Record<string, never>;
  'help.changed': { attendeeId: string };
}

@Injectable()
export class DomainEventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(50);

  emit<K extends keyof DomainEvents>(name: K, payload: DomainEvents[K]): void {
    this.emitter.emit(name, payload);
  }

  on<K extends keyof DomainEvents>(name: K, listener: (payload: DomainEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
