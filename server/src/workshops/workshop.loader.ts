import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { KitError, resolveKit, type ResolvedKit } from '../kit/kit-files';
import { workshopSchema, type WorkshopDefinition } from './workshop.schema';

export class WorkshopFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not a valid workshop file:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface LoadedWorkshop {
  definition: WorkshopDefinition;
  /** sha256 of the validated definition, so reformatting the file does not make a new revision. */
  hash: string;
  file: string;
  /** The kit found on disk (version 2 `kit`); null without one, or when parsed from text with no file to find it from. */
  kit: ResolvedKit | null;
}

const MAX_FILE_BYTES = 1024 * 1024;

export function loadWorkshopFile(file: string): LoadedWorkshop {
  const name = path.basename(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new WorkshopFileError(name, [`cannot read ${file}: no such file`]);
  }
  if (stat.size > MAX_FILE_BYTES) throw new WorkshopFileError(name, [`the file is ${stat.size} bytes; the limit is ${MAX_FILE_BYTES}`]);
  return parseWorkshop(fs.readFileSync(file, 'utf8'), name, file);
}

/** With `file`, the kit's paths are found from where the file is; without, the kit field's shape is all that is checked. */
export function parseWorkshop(text: string, name: string, file?: string): LoadedWorkshop {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    throw new WorkshopFileError(
      name,
      document.errors.map((error) => {
        const line = error.linePos?.[0];
        const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        return `${line ? `line ${line.line}, column ${line.col}: ` : ''}${message}`;
      }),
    );
  }
  const raw: unknown = document.toJS({ maxAliasCount: 50 });
  const result = workshopSchema.safeParse(raw);
  if (!result.success) throw new WorkshopFileError(name, describeIssues(result.error.issues, raw));
  const definition = result.data;
  const hash = createHash('sha256').update(JSON.stringify(definition)).digest('hex');
  let kit: ResolvedKit | null = null;
  if (definition.kit && file !== undefined) {
    try {
      kit = resolveKit(definition.kit, definition.id, file);
    } catch (error) {
      if (error instanceof KitError) throw new WorkshopFileError(name, error.problems);
      throw error;
    }
  }
  return { definition, hash, file: name, kit };
}

/** "step 3 (build-bpf) › check 2 (exporter-up) › http.port: Too big: expected number to be <=65535" */
function describeIssues(issues: z.core.$ZodIssue[], raw: unknown): string[] {
  return issues.map((issue) => {
    const where: string[] = [];
    const field: string[] = [];
    let node: unknown = raw;
    for (let i = 0; i < issue.path.length; i++) {
      const key = issue.path[i];
      const parentKey = issue.path[i - 1];
      node = isRecord(node) || Array.isArray(node) ? (node as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
      if (typeof key === 'number' && (parentKey === 'steps' || parentKey === 'checks')) {
        where.pop();
        const id = isRecord(node) && typeof node.id === 'string' ? ` (${node.id})` : '';
        where.push(`${parentKey === 'steps' ? 'step' : 'check'} ${key + 1}${id}`);
        field.length = 0;
      } else {
        if (key === 'steps' || key === 'checks') where.push(String(key));
        else field.push(typeof key === 'number' ? `[${key}]` : String(key));
      }
    }
    const fieldPath = field.join('.').replace(/\.\[/g, '[');
    const location = [...where, fieldPath || (where.length === 0 ? 'top level' : '')].filter(Boolean).join(' › ');
    return `${location}: ${issue.message}`;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
