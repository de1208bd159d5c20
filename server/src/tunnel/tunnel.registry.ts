import type { Duplex } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { coded } from '../contract/i18n/coded';
import { RouteUnavailable, type VmRoute } from '../ssh/ssh.types';

/** One attendee's open tunnel: the endpoint's connection from their VM, and the bind it was granted. */
export interface OpenTunnel {
  bindAddr: string;
  bindPort: number;
  /** Opens a forwarded-tcpip channel: the VM's ssh connects it to its own sshd. */
  forward(callback: (error: Error | undefined, stream: Duplex) => void): void;
  /** Ends the VM's connection (a newer tunnel replaced it). */
  end(): void;
}

/**
 * The tunnels open now, one per attendee (a new one replaces and ends the old), and what has become of
 * each attendee's: never opened since start, or closed. Hears who opens and closes; tells listeners.
 */
@Injectable()
export class TunnelRegistry {
  private readonly open = new Map<string, OpenTunnel>();
  private readonly everOpened = new Set<string>();
  private readonly listeners = new Set<(attendeeId: string, open: boolean) => void>();

  /** Records the attendee's tunnel, ending the one it replaces. */
  opened(attendeeId: string, tunnel: OpenTunnel): void {
    const previous = this.open.get(attendeeId);
    this.open.set(attendeeId, tunnel);
    this.everOpened.add(attendeeId);
    if (previous && previous !== tunnel) previous.end();
    this.listeners.forEach((listener) => listener(attendeeId, true));
  }

  /** A tunnel's connection ended; only the current one closes the attendee's tunnel (a replaced one is gone already). */
  closed(attendeeId: string, tunnel: OpenTunnel): void {
    if (this.open.get(attendeeId) !== tunnel) return;
    this.open.delete(attendeeId);
    this.listeners.forEach((listener) => listener(attendeeId, false));
  }

  /** Ends the attendee's tunnel (they were removed, or no longer registered behind NAT); its close is heard as usual. */
  end(attendeeId: string): void {
    this.open.get(attendeeId)?.end();
  }

  /** Ends every tunnel (the run ended: its attendees' VMs are let go). */
  endAll(): void {
    for (const tunnel of this.open.values()) tunnel.end();
  }

  get openCount(): number {
    return this.open.size;
  }

  isOpen(attendeeId: string): boolean {
    return this.open.has(attendeeId);
  }

  onChange(listener: (attendeeId: string, open: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Why the attendee has no tunnel now: not opened yet (since Navigator started), or closed. */
  absence(attendeeId: string): RouteUnavailable {
    return this.everOpened.has(attendeeId)
      ? new RouteUnavailable('tunnel_closed', coded('connection.tunnel_closed'))
      : new RouteUnavailable('tunnel_not_open', coded('connection.tunnel_not_open'));
  }

  /** A stream to the attendee's VM sshd through their tunnel; rejects with RouteUnavailable saying why not. */
  dial(attendeeId: string, sshdPort: number): Promise<Duplex> {
    const tunnel = this.open.get(attendeeId);
    if (!tunnel) return Promise.reject(this.absence(attendeeId));
    return new Promise((resolve, reject) => {
      tunnel.forward((error, stream) => {
        if (!error) return resolve(stream);
        // The VM's ssh could not connect the channel to its sshd (refused, or nothing listening), or the tunnel went meanwhile.
        if (this.open.get(attendeeId) !== tunnel) return reject(this.absence(attendeeId));
        reject(new RouteUnavailable('tunnel_sshd_silent', coded('connection.tunnel_sshd_silent', { port: sshdPort, detail: error.message })));
      });
    });
  }

  /** The way to the attendee's VM sshd through their tunnel, whenever it is open. */
  routeTo(attendeeId: string, sshdPort: number): VmRoute {
    return {
      id: `tunnel:${attendeeId}:${sshdPort}`,
      open: () => this.dial(attendeeId, sshdPort),
      lost: () => (this.open.has(attendeeId) ? null : this.absence(attendeeId)),
    };
  }
}
