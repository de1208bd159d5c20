import fs from 'node:fs';
import path from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config';

/** The running server's pid in its data directory: restore refuses to write under a running server. */
export const PID_FILE = 'navigator.pid';

@Injectable()
export class PidFileKeeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly file: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.file = path.join(config.dataDir, PID_FILE);
  }

  onApplicationBootstrap(): void {
    fs.writeFileSync(this.file, `${process.pid}\n`, { mode: 0o600 });
  }

  /** A crash leaves the file behind; runningServerPid then finds no such process. */
  onApplicationShutdown(): void {
    try {
      if (fs.readFileSync(this.file, 'utf8').trim() === String(process.pid)) fs.rmSync(this.file);
    } catch {
      // already gone
    }
  }
}

/** The pid of a Navigator still running on this data directory, or null (none, or it died: a stale file). */
export function runningServerPid(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, PID_FILE), 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
  return pid;
}
