/** The few pages Navigator has, matched from location.pathname. */
export type Route =
  { page: 'join'; code: string } | { page: 'attendee' } | { page: 'board' } | { page: 'projector' } | { page: 'discussion' } | { page: 'home' };

export function routeFor(pathname: string): Route {
  const join = /^\/join\/([A-Za-z0-9]{1,16})\/?$/.exec(pathname);
  if (join) return { page: 'join', code: join[1].toUpperCase() };
  if (pathname === '/me') return { page: 'attendee' };
  if (pathname === '/board') return { page: 'board' };
  if (pathname === '/projector') return { page: 'projector' };
  if (pathname === '/discussion') return { page: 'discussion' };
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
