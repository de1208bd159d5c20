import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { validateConfig } from '../../bpf/tools/validate-configs';
import { pinnedLibbpf } from './pinned-libbpf';

const BPF = path.resolve(__dirname, '../../bpf');
const libbpf = pinnedLibbpf();

/** A copy of a shipped config with one change, next to the same object. */
function brokenCopy(
  config: string,
  change: (yaml: { metrics: Record<string, Record<string, unknown>[]> }) => void,
): { configFile: string; objectFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-config-'));
  const yaml = parse(fs.readFileSync(path.join(BPF, config), 'utf8')) as { metrics: Record<string, Record<string, unknown>[]> };
  change(yaml);
  const configFile = path.join(dir, config);
  fs.writeFileSync(configFile, stringify(yaml));
  return { configFile, objectFile: path.join(BPF, config.replace('.yaml', '.bpf.o')) };
}

describe.skipIf(!libbpf.include)(`ebpf_exporter configs match their BPF objects${libbpf.skip ? ` (built with the pinned libbpf): ${libbpf.skip}` : ''}`, () => {
  beforeAll(() => {
    execFileSync('make', ['-C', BPF, '-j2', '-s', `LIBBPF_INCLUDE=${libbpf.include}`], { stdio: 'pipe' });
  });

  it('every shipped config is valid', () => {
    const configs = fs.readdirSync(BPF).filter((f) => f.endsWith('.yaml'));
    expect(configs.sort()).toEqual(['php_calls.yaml', 'php_files.yaml', 'php_requests.yaml']);
    for (const config of configs) expect(validateConfig(path.join(BPF, config), path.join(BPF, config.replace('.yaml', '.bpf.o')))).toEqual([]);
  });

  it('a label size that does not add up to the key is refused, naming file and metric', () => {
    const { configFile, objectFile } = brokenCopy('php_calls.yaml', (y) => ((y.metrics.counters[0].labels as { size: number }[])[0].size = 32));
    expect(validateConfig(configFile, objectFile)).toEqual([
      'php_calls.yaml: metric php_function_calls_total: label sizes add up to 80 bytes but the map key is 96 bytes',
    ]);
  });

  it('a metric without a map is refused', () => {
    const { configFile, objectFile } = brokenCopy('php_calls.yaml', (y) => (y.metrics.counters[1].name = 'php_errors_total'));
    expect(validateConfig(configFile, objectFile)[0]).toMatch(/^php_calls\.yaml: metric php_errors_total: no map named php_errors_total in php_calls\.bpf\.o/);
  });

  it('histogram settings that do not fit are refused', () => {
    const noBucket = brokenCopy('php_requests.yaml', (y) => ((y.metrics.histograms[0].labels as { name: string }[]).at(-1)!.name = 'le'));
    expect(validateConfig(noBucket.configFile, noBucket.objectFile)).toContain(
      'php_requests.yaml: metric php_request_duration_seconds: the last label of a histogram must be the bucket',
    );
    const inverted = brokenCopy('php_requests.yaml', (y) => (y.metrics.histograms[0].bucket_min = 30));
    expect(validateConfig(inverted.configFile, inverted.objectFile)).toContain(
      'php_requests.yaml: metric php_request_duration_seconds: needs bucket_min <= bucket_max',
    );
    const wrongKey = brokenCopy('php_requests.yaml', (y) => ((y.metrics.histograms[0].labels as { size: number }[]).at(-1)!.size = 8));
    expect(validateConfig(wrongKey.configFile, wrongKey.objectFile)).toContain(
      'php_requests.yaml: metric php_request_duration_seconds: label sizes add up to 48 bytes but the map key is 44 bytes',
    );
  });
});
