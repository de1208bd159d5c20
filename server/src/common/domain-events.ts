import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { Locale } from '../contract/i18n/locales';
import type { PaceView } from '../contract/views';

/**
 * What services announce; the board gateway is the one listener that turns these into pushes.
 * Payloads are ids and facts, never per-role views: the gateway shapes them per role.
 */
export interface DomainEvents {
  'attendee.registered': { attendeeId: string };
  'attendee.changed': { attendeeId: string };
  /** The navigator removed the attendee: their VM is let go, their link ends; their notes stay under their name. */
  'attendee.removed': { attendeeId: string };
  /** The host key pinned for the attendee's address, or the one their VM offers instead, changed (the VM is not rewatched). */
  'attendee.host-key-changed': { attendeeId: string };
  /** The attendee's personal link was replaced: pages signed in with the old one are signed out. */
  'attendee.link-reissued': { attendeeId: string };
  /** The attendee's connection, check statuses, step progress or stuck flag changed. */
  'progress.changed': { attendeeId: string };
  'pace.changed': { pace: PaceView | null };
  'clock.changed': Record<string, never>;
  'discussion.changed': Record<string, never>;
  'help.changed': { attendeeId: string };
  /** The navigator started a new run: the previous one is archived, its VMs are let go, every page starts afresh. */
  'run.started': { previousRunId: string; runId: string };
  /** The navigator rotated the join code: the old join link registers nobody any more. */
  'join-code.changed': Record<string, never>;
  /** The live room-over-time chart has new figures. */
  'room.changed': Record<string, never>;
  /** The navigator revoked a helper's link: their open boards are signed out. */
  'helper.revoked': { helperId: string };
  /** The navigator's banner to the room changed. */
  'broadcast.changed': Record<string, never>;
  /** The navigator set the room's language: projectors follow it. */
  'room-language.changed': { language: Locale };
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
