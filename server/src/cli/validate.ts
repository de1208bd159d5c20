import { spawnSync } from 'node:child_process';
import { loadWorkshopFile, WorkshopFileError, type LoadedWorkshop } from '../workshops/workshop.loader';
import { missingTranslations, REFERENCE } from '../workshops/workshop.schema';
import type { Locale } from '../contract/i18n/locales';
import { shellVariable } from '../probes/check-values';

export interface Validation {
  loaded: LoadedWorkshop | null;
  /** "step 3 (build-bpf) › check 1 (bpf-build-done) › ssh.run: sh -n: line 1: syntax error…" */
  problems: string[];
  /**
   * Warnings, not problems: texts given per language that lack one of the languages the workshop writes in
   * ("step 2 (php-app) › hint", ['ja']). Readers of a missing language get the workshop's default language.
   */
  missingTranslations: { where: string; missing: Locale[] }[];
}

/**
 * What the server checks when it loads the file (structure, regular expressions, ids, vars and attendee
 * values defined, version 2 fields only in version 2 files), and what it cannot: every ssh script
 * parsed by `sh -n` as the VM's sh would read it.
 */
export function validateWorkshopFile(file: string, shell = 'sh'): Validation {
  let loaded: LoadedWorkshop;
  try {
    loaded = loadWorkshopFile(file);
  } catch (error) {
    if (error instanceof WorkshopFileError) return { loaded: null, problems: error.problems, missingTranslations: [] };
    throw error;
  }
  const problems: string[] = [];
  const version = loaded.definition.version ?? 1;
  loaded.definition.steps.forEach((step, s) =>
    step.checks.forEach((check, c) => {
      if (check.kind !== 'ssh') return;
      const script =
        version < 2 ? check.ssh.run : check.ssh.run.replace(REFERENCE, (_, scope: 'vars' | 'attendee', name: string) => `\${${shellVariable(scope, name)}}`);
      const parsed = spawnSync(shell, ['-n'], { input: script, encoding: 'utf8', timeout: 10_000 });
      if (parsed.status !== 0) {
        const message = (parsed.stderr || parsed.error?.message || `exit ${parsed.status}`)
          .trim()
          .replace(/^sh: \d+: /gm, '')
          .split('\n')[0];
        problems.push(`step ${s + 1} (${step.id}) › check ${c + 1} (${check.id}) › ssh.run: sh -n: ${message}`);
      }
    }),
  );
  return { loaded, problems, missingTranslations: missingTranslations(loaded.definition) };
}
