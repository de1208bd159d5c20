export interface VmFields {
  displayName: string;
  host: string;
  port: string;
  sshUser: string;
}

/**
 * What an attendee types, made forgiving before it is sent: every field trimmed, and an address pasted as
 * `user@host`, `user@host:port`, `host:port` or `ssh user@host -p port` split into the fields it names.
 * IPv6 literals keep their colons (`[2001:db8::1]:2222` carries a port; a bare `2001:db8::1` does not).
 */
export function tidyVmFields(fields: VmFields): VmFields {
  const tidy = { displayName: fields.displayName.trim(), host: fields.host.trim(), port: fields.port.trim(), sshUser: fields.sshUser.trim() };
  let host = tidy.host.replace(/^ssh\s+/, '');
  const portFlag = /\s+-p\s*(\d{1,5})\b/.exec(host);
  if (portFlag) {
    tidy.port = portFlag[1];
    host = host.replace(portFlag[0], '');
  }
  host = host.trim();
  const at = host.lastIndexOf('@');
  if (at > 0) {
    tidy.sshUser = host.slice(0, at).trim();
    host = host.slice(at + 1).trim();
  }
  const bracketed = /^(\[[^\]]+\]):(\d{1,5})$/.exec(host);
  const hostPort = /^([^:]+):(\d{1,5})$/.exec(host);
  const withPort = bracketed ?? hostPort;
  if (withPort) {
    host = withPort[1];
    tidy.port = withPort[2];
  }
  tidy.host = host;
  return tidy;
}
