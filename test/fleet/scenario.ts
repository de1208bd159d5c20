/**
 * The scenario driver: moves each simulated VM through the default workshop's steps (checks/ebpf-php.yaml)
 * the way a real room does. Most attendees progress at varied speeds; some stall on the BPF build,
 * some lose their exporter for a while, some drop off the network and come back, a few never become
 * reachable. Each step's state is what the kit's setup would leave on a real VM: the files the checks
 * read, its units as systemd would show them (stand-ins), and the services on the VM's localhost.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EbpfExporterStandIn } from '../support/standins/ebpf-exporter';
import { VM_PORTS, type Fleet } from './fleet';

/** The default workshop's steps, in order. */
export const STEPS = ['packages', 'php-app', 'build-bpf', 'bpftrace', 'exporter', 'prometheus', 'grafana'] as const;

export type Profile = 'steady' | 'stalled-build' | 'exporter-lost' | 'flaky-network' | 'never';

export interface VmPlan {
  profile: Profile;
  /** Seconds per step for this attendee. */
  pace: number;
}

const BPF = path.resolve(__dirname, '../../bpf');
/** The PHP binary the simulated VMs trace: this machine's, whose USDT notes the workshop's check reads. */
const PHP_BINARY = '/usr/bin/php8.2';

/**
 * STAND-INS for the kit's built BPF objects, made once: tiny ELF objects with what the workshop's check
 * reads of the real ones (readelf's section list: .BTF, and each USDT probe's section for PHP_BINARY,
 * taken from the kit's sources), not programs.
 */
let bpfObjects: Map<string, Buffer> | null = null;
function standInBpfObjects(): Map<string, Buffer> {
  if (bpfObjects) return bpfObjects;
  bpfObjects = new Map();
  for (const source of fs.readdirSync(BPF).filter((file) => file.endsWith('.bpf.c'))) {
    const probes = [...fs.readFileSync(path.join(BPF, source), 'utf8').matchAll(/PHP_USDT\("([^"]+)"\)/g)].map((m) => m[1]);
    const sections = ['.BTF,""', ...probes.map((probe) => `"usdt/${PHP_BINARY}:php:${probe}","ax"`)];
    const assembly = sections.map((section) => `.section ${section},@progbits\n.byte 0\n`).join('');
    const object = execFileSync('sh', ['-c', 'o=$(mktemp) && gcc -c -x assembler -o "$o" - && cat "$o" && rm -f "$o"'], { input: assembly });
    bpfObjects.set(source.replace('.bpf.c', '.bpf.o'), object);
  }
  return bpfObjects;
}

const DASHBOARD = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../bpf/grafana/dashboards/php-ebpf.json'), 'utf8')) as { uid: string };

/** A small deterministic PRNG, so a scenario with the same seed moves the same way. */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/** Who does what: ~70% steady, 10% stalled builds, 8% lost exporters, 8% flaky networks, 4% never reachable (at least one of each from 10 VMs). */
export function planRoom(size: number, seed = 42, paceSeconds: [number, number] = [3, 9]): VmPlan[] {
  const next = random(seed);
  const special: Profile[] = ['stalled-build', 'exporter-lost', 'flaky-network', 'never'];
  const counts = [0.1, 0.08, 0.08, 0.04].map((share) => Math.max(size >= 10 ? 1 : 0, Math.round(size * share)));
  const profiles: Profile[] = special.flatMap((profile, i) => Array<Profile>(counts[i]).fill(profile));
  while (profiles.length < size) profiles.push('steady');
  profiles.length = size;
  // Spread the special ones over the room rather than at the front.
  for (let i = profiles.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [profiles[i], profiles[j]] = [profiles[j], profiles[i]];
  }
  return profiles.map((profile) => ({ profile, pace: paceSeconds[0] + next() * (paceSeconds[1] - paceSeconds[0]) }));
}

/** One VM's state on disk and on its localhost, as the kit's setup leaves it step by step. */
export class SimulatedVm {
  readonly exporter = new EbpfExporterStandIn();
  doneSteps = 0;
  buildRunning = false;
  exporterLost = false;

  constructor(
    private readonly fleet: Fleet,
    readonly index: number,
  ) {
    // The workshop's check of the running PHP's environment runs with sudo.
    fleet.allowSudo(index);
  }

  /** Puts the VM in the state where the first `done` steps are complete (idempotent). */
  apply(done: number): void {
    this.doneSteps = done;
    const { fleet, index } = this;
    const has = (step: (typeof STEPS)[number]) => STEPS.indexOf(step) < done;
    if (has('packages')) {
      fleet.writeFile(index, '/var/lib/php-ebpf/php-binary', `${PHP_BINARY}\n`);
      // What setup's libbpf step installs (its content is not read: the build is not run here).
      fleet.writeFile(index, '/opt/php-ebpf/libbpf/include/bpf/usdt.bpf.h', '/* libbpf usdt.bpf.h (stand-in) */\n');
    } else {
      fleet.removeFile(index, '/var/lib/php-ebpf/php-binary');
      fleet.removeFile(index, '/opt/php-ebpf/libbpf');
    }

    fleet.unit(index, 'php-sample', { active: has('php-app'), environment: has('php-app') ? 'USE_ZEND_DTRACE=1' : '' });
    fleet.service(index, VM_PORTS.app, has('php-app') ? { '/': '{"app":"PHP sample","routes":["/","/fib?n=10"]}\n' } : null);

    if (has('build-bpf')) {
      fleet.writeFile(index, '/var/lib/php-ebpf/build.status', `done in 1s for ${PHP_BINARY}\n`);
      for (const [name, object] of standInBpfObjects()) fleet.writeFile(index, `/opt/php-ebpf/configs/${name}`, object);
    } else {
      fleet.removeFile(index, '/opt/php-ebpf/configs');
      if (this.buildRunning) fleet.writeFile(index, '/var/lib/php-ebpf/build.status', 'running since 2026-11-25T10:00:00Z\n');
      else fleet.removeFile(index, '/var/lib/php-ebpf/build.status');
    }

    if (has('bpftrace')) fleet.writeFile(index, '/var/lib/php-ebpf/bpftrace.done', 'calls 2026-11-25T10:05:00Z\n');
    else fleet.removeFile(index, '/var/lib/php-ebpf/bpftrace.done');

    const exporterUp = has('exporter') && !this.exporterLost;
    fleet.unit(index, 'ebpf_exporter', { active: exporterUp });
    if (exporterUp && this.exporter.requests === 0) this.exporter.tick();
    fleet.service(index, VM_PORTS.exporter, exporterUp ? { '/metrics': this.exporter.text() } : null);

    if (!fleet.vm(index).realPrometheus) {
      // STAND-IN Prometheus answers: ready, and a vector of 1 (it satisfies both `== 1` and `> 0`).
      // With the exporter gone, `up` is 0 and rates are 0: both checks fail, as with a real Prometheus.
      const value = exporterUp ? '1' : '0';
      const vector = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, value] }] } });
      fleet.service(index, VM_PORTS.prometheus, has('prometheus') ? { '/-/ready': 'Prometheus Server is Ready.\n', '/api/v1/query': vector } : null);
    }

    if (has('grafana')) {
      const frame = { schema: { fields: [{ name: 'Time' }, { name: 'Value' }] }, data: { values: [[Date.now()], [1]] } };
      fleet.service(index, VM_PORTS.grafana, {
        '/api/health': '{"database":"ok","version":"11.6.0"}',
        [`/api/dashboards/uid/${DASHBOARD.uid}`]: JSON.stringify({ meta: { provisioned: true }, dashboard: DASHBOARD }),
        // One frame, given by the stand-in to every refId the request asks for.
        '/api/ds/query': JSON.stringify(frame),
      });
    } else fleet.service(index, VM_PORTS.grafana, null);
  }

  /** The exporter's counters move, as under the load generator (real Prometheus VMs see rates). */
  tick(): void {
    if (STEPS.indexOf('exporter') >= this.doneSteps || this.exporterLost) return;
    this.exporter.tick();
    this.fleet.service(this.index, VM_PORTS.exporter, { '/metrics': this.exporter.text() });
  }
}

export interface ScenarioEvent {
  at: number; // ms from the start
  index: number;
  what: string;
}

/**
 * Runs the room for `durationMs`: each VM follows its plan. Returns what happened, when; `onChange`
 * hears each state change as it is made (for change → board latency).
 */
export async function runScenario(
  fleet: Fleet,
  plans: VmPlan[],
  durationMs: number,
  onChange: (event: ScenarioEvent) => void = () => undefined,
): Promise<{ events: ScenarioEvent[]; vms: SimulatedVm[] }> {
  const vms = plans.map((_, i) => new SimulatedVm(fleet, i));
  const events: ScenarioEvent[] = [];
  const started = Date.now();
  const note = (index: number, what: string) => {
    const event = { at: Date.now() - started, index, what };
    events.push(event);
    onChange(event);
  };
  plans.forEach((plan, i) => {
    vms[i].apply(0);
    if (plan.profile === 'never') fleet.killSshd(i);
  });
  const lostAt = durationMs * 0.55;
  const backAt = durationMs * 0.75;
  let tick = 0;
  while (Date.now() - started < durationMs) {
    const elapsed = (Date.now() - started) / 1000;
    for (const [i, plan] of plans.entries()) {
      const vm = vms[i];
      if (plan.profile === 'never') continue;
      const target = Math.min(STEPS.length, Math.floor(elapsed / plan.pace));
      const cap = plan.profile === 'stalled-build' ? STEPS.indexOf('build-bpf') : STEPS.length;
      if (plan.profile === 'stalled-build' && target >= cap && !vm.buildRunning) vm.buildRunning = true;
      if (Math.min(target, cap) > vm.doneSteps) {
        vm.apply(Math.min(target, cap));
        note(i, `step ${STEPS[vm.doneSteps - 1]} done`);
      }
      const t = Date.now() - started;
      if (plan.profile === 'exporter-lost' && vm.doneSteps > STEPS.indexOf('exporter')) {
        const lost = t >= lostAt && t < backAt;
        if (lost !== vm.exporterLost) {
          vm.exporterLost = lost;
          vm.apply(vm.doneSteps);
          note(i, lost ? 'exporter lost' : 'exporter back');
        }
      }
      if (plan.profile === 'flaky-network') {
        if (t >= lostAt && t < backAt && !events.some((e) => e.index === i && e.what === 'link down')) {
          fleet.linkDown(i);
          note(i, 'link down');
        } else if (t >= backAt && events.some((e) => e.index === i && e.what === 'link down') && !events.some((e) => e.index === i && e.what === 'link up')) {
          fleet.linkUp(i);
          note(i, 'link up');
        }
      }
    }
    if (tick++ % 4 === 0) vms.forEach((vm) => vm.tick());
    await new Promise((r) => setTimeout(r, 250));
  }
  return { events, vms };
}
