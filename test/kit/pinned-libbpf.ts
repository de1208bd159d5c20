import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The kit's artefacts as bpf/kit.lock pins them, and libbpf's BPF-side headers at the pinned version,
 * extracted from the tarball test/setup-machine.sh caches outside the clone (this machine has no
 * libbpf 1.5 package; the kit never uses the distribution's libbpf-dev). Tests that build the BPF
 * objects skip, saying why, when the cache is missing.
 */
const REPO = path.resolve(__dirname, '../..');
export const KIT_LOCK = path.join(REPO, 'bpf/kit.lock');
export const KIT_ARTEFACTS = '/var/cache/navigator-test/kit-artefacts';
/** What setup.sh extracts, as it lists them. */
export const LIBBPF_HEADERS = ['bpf_helpers.h', 'bpf_helper_defs.h', 'bpf_tracing.h', 'bpf_core_read.h', 'bpf_endian.h', 'usdt.bpf.h'];

export interface LockEntry {
  name: string;
  sha256: string;
  urls: string[];
}

/** bpf/kit.lock's entries (`NAME SHA256 URL...`; `#` comments and blank lines skipped). */
export function readKitLock(file = KIT_LOCK): LockEntry[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [name, sha256, ...urls] = line.split(/\s+/);
      return { name, sha256, urls };
    });
}

export function sha256Of(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export const LIBBPF = readKitLock().find((entry) => entry.name.startsWith('libbpf-'))!;

export type PinnedLibbpf = { tarball: string; include: string; skip: null } | { tarball: null; include: null; skip: string };

/** The cached pinned tarball, verified, with its headers extracted to a fresh directory (<include>/bpf/*.h). */
export function pinnedLibbpf(): PinnedLibbpf {
  const tarball = path.join(KIT_ARTEFACTS, LIBBPF.name);
  const missing = (why: string): PinnedLibbpf => ({
    tarball: null,
    include: null,
    skip: `skipped: ${why}; bash test/setup-machine.sh caches it from the Debian mirror`,
  });
  if (!fs.existsSync(tarball)) return missing(`${LIBBPF.name} (bpf/kit.lock) is not in ${KIT_ARTEFACTS}`);
  if (sha256Of(tarball) !== LIBBPF.sha256) return missing(`${tarball} is not the ${LIBBPF.name} bpf/kit.lock pins (sha256 differs)`);
  const include = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-libbpf-'));
  const top = LIBBPF.name.replace(/\.tar\.gz$/, '');
  execFileSync('tar', ['-xzf', tarball, '-C', include, ...LIBBPF_HEADERS.map((header) => `${top}/src/${header}`)]);
  fs.renameSync(path.join(include, top, 'src'), path.join(include, 'bpf'));
  fs.rmSync(path.join(include, top), { recursive: true });
  return { tarball, include, skip: null };
}
