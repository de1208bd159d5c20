export interface VmTarget {
  id: string;
  host: string;
  port: number;
  user: string;
  /** SHA256:<base64> as ssh-keygen -l prints it; null until the first successful connection. */
  pinnedFingerprint: string | null;
}

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'unreachable';

export type UnreachableReason = 'refused' | 'timeout' | 'dns' | 'auth_rejected' | 'host_key_changed' | 'network' | 'error';

export const REASON_MESSAGES: Record<UnreachableReason, string> = {
  refused: 'The VM refused the connection: nothing listens on that SSH port.',
  timeout: 'The VM did not answer in time: check the address, that it is running, and the firewall.',
  dns: 'That DNS name was not found.',
  auth_rejected: "Navigator's key is not in ~/.ssh/authorized_keys yet.",
  host_key_changed: 'The host key changed since it was pinned: Navigator runs nothing on this machine.',
  network: 'The network has no route to the VM.',
  error: 'An unexpected SSH error occurred.',
};

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  durationMs: number;
}

export interface ExecOptions {
  timeoutMs: number;
  maxOutputBytes?: number;
  stdin?: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBodyBytes?: number;
}

export interface ShellRun {
  stdout: string;
  durationMs: number;
  /** The done marker did not arrive in time; the shell was discarded. */
  timedOut: boolean;
  /** The shell ended (or the connection dropped) before the done marker. */
  closed: boolean;
}

/** What the probes need of a connection; SshConnection implements it over ssh2. */
export interface VmChannel {
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  /** Writes input to a POSIX shell kept open on the VM; resolves when stdout contains doneMarker. */
  runInShell(input: string, doneMarker: string, timeoutMs: number): Promise<ShellRun>;
  /** HTTP/1.1 to a port on the VM's localhost, over the SSH connection. */
  request(port: number, path: string, options: RequestOptions): Promise<HttpResponse>;
}
