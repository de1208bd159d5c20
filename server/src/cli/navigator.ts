import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type AppConfig } from '../config/app.config';
import { ArtefactStore } from '../kit/artefact-store';
import { HttpDownloader } from '../kit/http-download';
import { fetchArtefacts, lockArtefacts } from '../kit/kit-commands';
import { workshopJsonSchema } from '../workshops/workshop.json-schema';
import { loadWorkshopFile, WorkshopFileError, type LoadedWorkshop } from '../workshops/workshop.loader';
import { connectToVm, formatTable, parseVm, tryWorkshop } from './try';
import { validateWorkshopFile } from './validate';
import { workshopLanguage } from '../workshops/workshop.schema';

const USAGE = `Usage:
  navigator validate FILE...          check workshop files as the server would, and every ssh script with sh -n;
                                      list the missing translations of texts given per language (warnings)
  navigator try FILE --vm USER@HOST[:PORT] [--key PATH] [--value NAME=VALUE]... [--watch]
                                      run every check once against a prepared VM and print a table
                                      (--key: default data/navigator_ed25519, Navigator's own key;
                                       --value: an attendee value; --watch: again whenever FILE changes)
  navigator schema                    print the JSON Schema of the workshop format
  navigator kit fetch                 download every artefact the workshop's kit lock file pins into the data
                                      directory (NAVIGATOR_DATA_DIR/kit-artefacts; the workshop is the server's,
                                      NAVIGATOR_WORKSHOP_FILE), each verified, for Navigator to serve at /kit/artefacts/
  navigator kit lock [NAME...]        download the artefacts the lock file does not pin yet (or those NAMEd, again)
                                      and write their sha256 into it, comments and order kept`;

/** The author's loop, as a command line. Exit status: 0 when everything is fine, 1 when not, 2 on a usage error. */
export async function main(args: string[], out: (line: string) => void = console.log): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'validate':
      return validate(rest, out);
    case 'try':
      return tryCommand(rest, out);
    case 'schema':
      out(JSON.stringify(workshopJsonSchema(), null, 2));
      return 0;
    case 'kit':
      return kitCommand(rest, out);
    default:
      out(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

function validate(files: string[], out: (line: string) => void): number {
  if (files.length === 0) {
    out(USAGE);
    return 2;
  }
  let failed = false;
  for (const file of files) {
    const name = path.basename(file);
    const { loaded, problems, missingTranslations } = validateWorkshopFile(file);
    if (problems.length > 0) {
      failed = true;
      for (const problem of problems) out(`${name} › ${problem}`);
    } else if (loaded) {
      const checks = loaded.definition.steps.reduce((n, step) => n + step.checks.length, 0);
      out(`${name}: valid (format version ${loaded.definition.version ?? 1}, ${loaded.definition.steps.length} steps, ${checks} checks)`);
    }
    if (loaded && missingTranslations.length > 0) {
      const fallback = workshopLanguage(loaded.definition);
      out(
        `${name}: ${missingTranslations.length} ${missingTranslations.length === 1 ? 'text lacks' : 'texts lack'} a translation ` +
          `(warnings, not errors: the exit status does not change; a reader of a missing language sees the ${fallback} text, else the one given):`,
      );
      for (const { where, missing } of missingTranslations) out(`  ${name} › ${where}: no ${missing.join(', ')}`);
    }
  }
  return failed ? 1 : 0;
}

/** `kit fetch` and `kit lock`, for the workshop and data directory the server uses (its environment). */
async function kitCommand([command, ...names]: string[], out: (line: string) => void): Promise<number> {
  if ((command !== 'fetch' && command !== 'lock') || (command === 'fetch' && names.length > 0)) {
    out(USAGE);
    return 2;
  }
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    out(error.message);
    return 2;
  }
  let loaded: LoadedWorkshop;
  try {
    loaded = loadWorkshopFile(config.workshopFile);
  } catch (error) {
    if (!(error instanceof WorkshopFileError)) throw error;
    for (const problem of error.problems) out(`${error.file} › ${problem}`);
    return 1;
  }
  if (!loaded.kit) {
    out(`${config.workshopFile} has no "kit" field: there is nothing to ${command} (checks/README.md, "kit (v2): Navigator serves the kit")`);
    return 2;
  }
  const store = ArtefactStore.inDataDir(config.dataDir);
  const context = { kit: loaded.kit, store, downloader: new HttpDownloader(), out };
  out(`${loaded.file}: the kit's lock file is ${loaded.kit.lockFile ?? '(none)'}; artefacts go to ${store.directory}`);
  return command === 'fetch' ? fetchArtefacts(context) : lockArtefacts(context, names);
}

async function tryCommand(args: string[], out: (line: string) => void): Promise<number> {
  const options = { file: '', vm: '', key: path.join('data', 'navigator_ed25519'), values: {} as Record<string, string>, watch: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--vm') options.vm = args[++i] ?? '';
    else if (arg === '--key') options.key = args[++i] ?? '';
    else if (arg === '--watch') options.watch = true;
    else if (arg === '--value') {
      const [name, ...value] = (args[++i] ?? '').split('=');
      options.values[name] = value.join('=');
    } else if (!options.file) options.file = arg;
    else {
      out(USAGE);
      return 2;
    }
  }
  const vm = parseVm(options.vm);
  if (!options.file || !vm) {
    out(options.file && options.vm ? `--vm ${options.vm}: expected USER@HOST[:PORT]` : USAGE);
    return 2;
  }
  let privateKey: Buffer;
  try {
    privateKey = fs.readFileSync(options.key);
  } catch {
    out(`cannot read the private key ${options.key}: pass --key, or start Navigator once (it makes data/navigator_ed25519)`);
    return 2;
  }
  let connection: Awaited<ReturnType<typeof connectToVm>>['connection'];
  try {
    const connected = await connectToVm(vm, privateKey);
    connection = connected.connection;
    out(`connected to ${vm.user}@${vm.host}:${vm.port} (host key ${connected.fingerprint})`);
  } catch (error) {
    out(`cannot connect to ${vm.user}@${vm.host}:${vm.port}: ${(error as Error).message}`);
    return 1;
  }
  const once = async (): Promise<number> => {
    const { loaded, problems } = validateWorkshopFile(options.file);
    if (!loaded || problems.length > 0) {
      for (const problem of problems) out(`${path.basename(options.file)} › ${problem}`);
      return 1;
    }
    const rows = await tryWorkshop(connection, vm, loaded.definition, options.values);
    out(formatTable(rows));
    const passed = rows.filter((r) => r.result.status === 'pass').length;
    out(`${passed} of ${rows.length} checks pass`);
    return passed === rows.length ? 0 : 1;
  };
  const status = await once();
  if (!options.watch) {
    connection.close();
    return status;
  }
  out(`watching ${options.file}; Ctrl-C stops`);
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  fs.watch(options.file, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(async () => {
        out(`\n${new Date().toLocaleTimeString()}: ${options.file} changed`);
        await once();
      });
    }, 200);
  });
  return new Promise<number>(() => undefined);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
