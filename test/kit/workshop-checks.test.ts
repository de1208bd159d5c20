import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateHttp } from '../../server/src/probes/http.evaluator';
import type { HttpResponse } from '../../server/src/ssh/ssh.types';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';
import type { CheckDefinition } from '../../server/src/workshops/workshop.schema';
import { EbpfExporterStandIn, KIT_PROGRAMS } from '../support/standins/ebpf-exporter';
import { readKitLock } from './pinned-libbpf';

/**
 * The workshop's checks (checks/ebpf-php.yaml) and the kit they check stay in step: the programs the
 * exporter must have attached, the sections the objects must carry, the artefacts setup.sh asks the
 * lock for. Read from the kit's sources, so adding a program without the checks following fails here.
 */
const REPO = path.resolve(__dirname, '../..');
const BPF = path.join(REPO, 'bpf');
const checks = loadWorkshopFile(path.join(REPO, 'checks/ebpf-php.yaml')).definition.steps.flatMap((step) => step.checks);
const check = (id: string): CheckDefinition => checks.find((c) => c.id === id)!;

/** Each object's programs from its source: the probe or symbol named by PHP_USDT(...) / PHP_UPROBE(...), and the function. */
function programsOf(): Map<string, { kind: 'usdt' | 'uprobe'; target: string; name: string }[]> {
  const objects = new Map<string, { kind: 'usdt' | 'uprobe'; target: string; name: string }[]>();
  for (const source of fs.readdirSync(BPF).filter((f) => f.endsWith('.bpf.c'))) {
    const text = fs.readFileSync(path.join(BPF, source), 'utf8');
    const programs = [...text.matchAll(/PHP_(USDT|UPROBE)\("([^"]+)"\)\s*\nint BPF_\w+\((\w+)/g)].map((m) => ({
      kind: m[1].toLowerCase() as 'usdt' | 'uprobe',
      target: m[2],
      name: m[3],
    }));
    objects.set(source.replace('.bpf.c', '.bpf.o'), programs);
  }
  return objects;
}

describe('the workshop checks follow the kit', () => {
  const programs = programsOf();

  it('the kit has the programs the checks and the exporter stand-in know', () => {
    const all = [...programs.entries()].flatMap(([object, list]) => list.map((p) => [object.replace('.bpf.o', ''), p.name]));
    expect(all.sort()).toEqual([...KIT_PROGRAMS].map(([config, program]) => [config, program]).sort());
    const unit = fs.readFileSync(path.join(BPF, 'systemd/ebpf_exporter.service'), 'utf8');
    expect(unit).toContain(`--config.names=${['php_requests', 'php_calls', 'php_files'].join(',')}`);
    expect(new Set(all.map(([config]) => config))).toEqual(new Set(['php_requests', 'php_calls', 'php_files']));
  });

  it("exporter-programs-attached wants every one of the kit's programs attached, none 0", async () => {
    const attached = check('exporter-programs-attached');
    if (attached.kind !== 'http') throw new Error('exporter-programs-attached is an http check');
    const total = [...programs.values()].flat().length;
    expect(attached.http.matches).toBe(`(?:^ebpf_exporter_ebpf_program_attached\\{.*\\n){${total}}`);
    expect(attached.sticky).toBe(true);

    // The real evaluator on the exporter's page as the stand-in serves it (ebpf_exporter's format).
    const exporter = new EbpfExporterStandIn();
    const judge = async () => {
      const response: HttpResponse = { status: 200, headers: {}, body: exporter.text(), durationMs: 1 };
      return (await evaluateHttp('exporter-programs-attached', attached.http, () => Promise.resolve(response), 1000)).status;
    };
    expect(await judge()).toBe('pass');
    exporter.unattached.add('error_raised');
    expect(await judge()).toBe('fail');
    exporter.unattached.clear();
    exporter.programs = KIT_PROGRAMS.slice(1);
    expect(await judge()).toBe('fail');
  });

  it("bpf-objects-present wants each object's BTF and its USDT sections, for the recorded PHP", () => {
    const objects = check('bpf-objects-present');
    if (objects.kind !== 'ssh') throw new Error('bpf-objects-present is an ssh check');
    // One loop per object: `for section in .BTF "usdt/$php:php:<probe>" …; do case … missing="$missing <object>:$section"`.
    const wanted = [...objects.ssh.run.matchAll(/for section in ([^;]+); do\s+case \$\w+ in .*?missing="\$missing (\S+?):\$section"/g)]
      .flatMap(([, sections, object]) =>
        sections.split(' ').map((section) => `${object}:${section === '.BTF' ? section : /^"usdt\/\$php:php:(\w+)"$/.exec(section)![1]}`),
      )
      .sort();
    const expected = [...programs.entries()].flatMap(([object, list]) => [
      `${object}:.BTF`,
      ...list.filter((p) => p.kind === 'usdt').map((p) => `${object}:${p.target}`),
    ]);
    expect(wanted).toEqual(expected.sort());
    const read = /readelf -SW ((?:"\$dir\/\S+\.bpf\.o" ?)+)/
      .exec(objects.ssh.run)![1]
      .trim()
      .split(' ')
      .map((file) => file.replace(/^"\$dir\/|"$/g, ''));
    expect(read.sort()).toEqual([...programs.keys()].sort());
  });

  it('the steps about something that happened stay done: the one-liner, the request rate', () => {
    expect(check('bpftrace-tried').sticky).toBe(true);
    expect(check('prometheus-has-php-requests').sticky).toBe(true);
    // A state, not an event: the running PHP's environment is read every time.
    expect(check('php-dtrace-enabled').sticky).toBeFalsy();
  });

  it('every artefact setup.sh fetches is in bpf/kit.lock, for both CPUs', () => {
    const setup = fs.readFileSync(path.join(BPF, 'setup.sh'), 'utf8');
    const value = (name: string) => new RegExp(`^${name}=(\\S+)`, 'm').exec(setup)![1];
    const names = new Set(readKitLock().map((entry) => entry.name));
    expect(names).toContain(value('LIBBPF_ARTEFACT'));
    for (const arch of ['x86_64', 'aarch64']) expect(names).toContain(`ebpf_exporter-${value('EBPF_EXPORTER_VERSION')}.${arch}`);
    for (const arch of ['amd64', 'arm64']) expect(names).toContain(`grafana_${value('GRAFANA_VERSION')}_${arch}.deb`);
  });
});

describe('bpf/kit.lock', () => {
  const lock = readKitLock();

  it('has one well-formed line per artefact: a file name, a sha256 or -, then http(s) URLs', () => {
    expect(lock.length).toBeGreaterThanOrEqual(5);
    expect(new Set(lock.map((entry) => entry.name)).size).toBe(lock.length);
    for (const entry of lock) {
      expect(entry.name, entry.name).toMatch(/^[A-Za-z0-9._+-]+$/);
      expect(entry.sha256, entry.name).toMatch(/^([0-9a-f]{64}|-)$/);
      expect(entry.urls.length, entry.name).toBeGreaterThan(0);
      for (const url of entry.urls) expect(url, entry.name).toMatch(/^https?:\/\/[^\s]+$/);
    }
  });

  it("pins libbpf 1.5.0 by the sha256 of Debian's copy, with Debian's pool, snapshot.debian.org and GitHub as sources", () => {
    expect(lock.find((entry) => entry.name === 'libbpf-1.5.0.tar.gz')).toEqual({
      name: 'libbpf-1.5.0.tar.gz',
      sha256: '53492aff6dd47e4da04ef5e672d753b9743848bdb38e9d90eafbe190b7983c44',
      urls: [
        'http://deb.debian.org/debian/pool/main/libb/libbpf/libbpf_1.5.0.orig.tar.gz',
        'https://snapshot.debian.org/file/234278e464df0862548b260ab62610ec71d0c80d',
        'https://github.com/libbpf/libbpf/archive/refs/tags/v1.5.0.tar.gz',
      ],
    });
  });
});
