/**
 * What Navigator's tunnel endpoint allows, as plain rules. A VM opens exactly one remote forward,
 * named by the port below on "localhost" (OpenSSH's default bind address for `-R port:host:hostport`);
 * nothing ever listens on it: Navigator opens its channels to the VM through that one forward.
 */
export const TUNNEL_BIND_PORT = 22;
const TUNNEL_BIND_ADDRESSES = new Set(['localhost']);

/** An attendee id is the login name on the endpoint (the key decides whether it is theirs). */
const LOGIN_NAME = /^[A-Za-z0-9-]{1,64}$/;

export function isTunnelLoginName(name: string): boolean {
  return LOGIN_NAME.test(name);
}

/** The one bind a tunnel login may ask for; anything else (another port, another address, a second bind) is refused. */
export function isAllowedBind(bind: { bindAddr: string; bindPort: number }, alreadyBound: boolean): boolean {
  return !alreadyBound && bind.bindPort === TUNNEL_BIND_PORT && TUNNEL_BIND_ADDRESSES.has(bind.bindAddr);
}

/** Whether a login's key is the one issued to that attendee: same algorithm, same bytes. */
export function isIssuedKey(presented: { algo: string; data: Buffer }, issued: { algo: string; data: Buffer }): boolean {
  return presented.algo === issued.algo && presented.data.length === issued.data.length && presented.data.equals(issued.data);
}
