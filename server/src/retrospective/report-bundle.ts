import fs from 'node:fs';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import type { ReportBundle } from './html-export';

export class ReportBundleMissingError extends Error {}

/** The report's script and stylesheet, built by `npm run build` into the web app's `export/` folder, read once. */
@Injectable()
export class ReportBundleFiles {
  private bundle: ReportBundle | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  read(): ReportBundle {
    if (this.bundle) return this.bundle;
    const dir = path.join(this.config.webDir, 'export');
    try {
      this.bundle = { js: fs.readFileSync(path.join(dir, 'retrospective.js'), 'utf8'), css: fs.readFileSync(path.join(dir, 'retrospective.css'), 'utf8') };
    } catch (error) {
      throw new ReportBundleMissingError(`the report bundle is not built (${(error as Error).message}); run npm run build`);
    }
    return this.bundle;
  }
}
