import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Response headers for every route: a strict Content-Security-Policy the built Svelte app runs under
 * (scripts and stylesheets only from Navigator itself, nothing inline but style attributes, which
 * Svelte and the charts set), no framing, no referrer (links carry tokens), nosniff. HSTS and
 * upgrade-insecure-requests only when Navigator is served over https: a LAN workshop on plain http
 * must keep working.
 */
export function securityHeaders(options: { https: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        styleSrcAttr: ["'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(options.https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: options.https ? { maxAge: 180 * 24 * 3600 } : false,
  });
}
