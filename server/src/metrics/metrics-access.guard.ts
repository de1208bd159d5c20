import { timingSafeEqual, createHash } from 'node:crypto';
import net from 'node:net';
import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app.config';

/** True for an address only this machine can reach: a server listening there is not exposed. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const family = net.isIP(host);
  if (family === 0) return false;
  const loopback = new net.BlockList();
  loopback.addSubnet('127.0.0.0', 8, 'ipv4');
  loopback.addAddress('::1', 'ipv6');
  return loopback.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Who may scrape /metrics: with NAVIGATOR_METRICS_TOKEN set, whoever sends it as a bearer token (as
 * Prometheus' `authorization` scrape setting does); unset, anyone, but only while the server listens on
 * loopback. The figures (Node version, per-check pass/fail counts) are not for the open internet.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const token = this.config.metricsToken;
    if (token === null) {
      if (isLoopbackHost(this.config.host)) return true;
      throw new ForbiddenException('/metrics is off: set NAVIGATOR_METRICS_TOKEN and scrape with it as a bearer token.');
    }
    const sent = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    if (timingSafeEqual(digest(sent), digest(token))) return true;
    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
    throw new UnauthorizedException('/metrics needs the bearer token set in NAVIGATOR_METRICS_TOKEN.');
  }
}
