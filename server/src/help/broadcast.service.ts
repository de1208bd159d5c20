import { Injectable } from '@nestjs/common';
import { DomainEventBus } from '../common/domain-events';
import type { Ack } from '../contract/events';
import type { BroadcastMessageView, BroadcastView } from '../contract/views';
import { refusal } from '../contract/i18n/english';

export const BROADCAST_MAX_CHARS = 280;
const HISTORY = 50;

/**
 * The navigator's messages to the room. Hot state: a banner matters while the room is in it, so it lives in
 * memory and a restart starts with none; a new run starts with none too.
 */
@Injectable()
export class BroadcastService {
  private messages: BroadcastMessageView[] = [];
  private current: BroadcastMessageView | null = null;
  private nextId = 1;

  constructor(private readonly events: DomainEventBus) {
    events.on('run.started', () => {
      this.messages = [];
      this.current = null;
      events.emit('broadcast.changed', {});
    });
  }

  send(text: string): Ack {
    const trimmed = text.trim();
    if (!trimmed) return refusal('form.message_empty');
    if (trimmed.length > BROADCAST_MAX_CHARS) return refusal('form.too_long', { max: BROADCAST_MAX_CHARS });
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    if (/[\u0000-\u001f\u007f]/.test(trimmed)) return refusal('form.message_control');
    this.current = { id: this.nextId++, text: trimmed, sentAt: new Date().toISOString() };
    this.messages = [this.current, ...this.messages].slice(0, HISTORY);
    this.events.emit('broadcast.changed', {});
    return { ok: true };
  }

  clear(): Ack {
    this.current = null;
    this.events.emit('broadcast.changed', {});
    return { ok: true };
  }

  view(): BroadcastView {
    return { current: this.current, history: this.messages };
  }
}
