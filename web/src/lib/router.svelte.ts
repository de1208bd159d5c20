/** The few pages Navigator has, matched from location.pathname. */
export type Route =
  | { page: 'join'; code: string }
  | { page: 'attendee' }
  | { page: 'board' }
  | { page: 'projector' }
  | { page: 'discussion' }
  | { page: 'runs' }
  | { page: 'retrospective'; runId: string }
  | { page: 'shared-retrospective'; token: string }
  | { page: 'compare'; a: string; b: string }
  | { page: 'home' };

export function routeFor(pathname: string): Route {
  const join = /^\/join\/([A-Za-z0-9]{1,16})\/?$/.exec(pathname);
  if (join) return { page: 'join', code: join[1].toUpperCase() };
  if (pathname === '/me') return { page: 'attendee' };
  if (pathname === '/board') return { page: 'board' };
  if (pathname === '/projector') return { page: 'projector' };
  if (pathname === '/discussion') return { page: 'discussion' };
  if (pathname === '/runs') return { page: 'runs' };
  const compare = /^\/runs\/compare\/([\w-]{1,120})\/([\w-]{1,120})\/?$/.exec(pathname);
  if (compare) return { page: 'compare', a: compare[1], b: compare[2] };
  const run = /^\/runs\/([\w-]{1,120})\/?$/.exec(pathname);
  if (run) return { page: 'retrospective', runId: run[1] };
  const shared = /^\/shared\/retro\/([\w-]{1,200})\/?$/.exec(pathname);
  if (shared) return { page: 'shared-retrospective', token: shared[1] };
  return { page: 'home' };
}

class Router {
  route = $state<Route>(routeFor(location.pathname));

  constructor() {
    addEventListener('popstate', () => (this.route = routeFor(location.pathname)));
  }

  go(path: string): void {
    history.pushState(null, '', path);
    this.route = routeFor(path);
  }
}

export const router = new Router();
