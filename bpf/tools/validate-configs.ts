/**
 * Static checks of ebpf_exporter configs against their BPF objects, as ebpf_exporter itself checks at
 * start-up: every metric names a map in the object; values are u64; label sizes add up to the key
 * size; exp2 histograms have the bucket as the last key field and buckets that fit. Reads the maps
 * from the object's BTF (bpftool). Run: npx tsx bpf/tools/validate-configs.ts [bpf/]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

interface BtfType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  type_id?: number;
  nr_elems?: number;
  members?: { name: string; type_id: number }[];
  vars?: { type_id: number }[];
}

export interface MapShape {
  keySize: number;
  valueSize: number;
  maxEntries: number;
}

interface Label {
  name: string;
  size: number;
}
interface Metric {
  name: string;
  labels?: Label[];
  bucket_type?: string;
  bucket_min?: number;
  bucket_max?: number;
}

export function mapsOf(objectFile: string): Map<string, MapShape> {
  const types = (JSON.parse(execFileSync('bpftool', ['btf', 'dump', 'file', objectFile, '-j'], { encoding: 'utf8' })) as { types: BtfType[] }).types;
  const byId = new Map(types.map((t) => [t.id, t]));
  const resolve = (id: number): BtfType => {
    let type = byId.get(id)!;
    while (['TYPEDEF', 'VOLATILE', 'CONST', 'RESTRICT'].includes(type.kind)) type = byId.get(type.type_id!)!;
    return type;
  };
  const sizeOf = (id: number): number => {
    const type = resolve(id);
    if (type.kind === 'ARRAY') return type.nr_elems! * sizeOf(type.type_id!);
    return type.size ?? 0;
  };
  // __uint(max_entries, N) is encoded as a pointer to an array of N elements.
  const arrayLength = (ptrId: number) => resolve(resolve(ptrId).type_id!).nr_elems ?? 0;
  const maps = new Map<string, MapShape>();
  for (const section of types.filter((t) => t.kind === 'DATASEC' && t.name === '.maps')) {
    for (const entry of section.vars ?? []) {
      const variable = byId.get(entry.type_id)!;
      const definition = resolve(variable.type_id!);
      const member = (name: string) => definition.members?.find((m) => m.name === name);
      const key = member('key');
      const value = member('value');
      const maxEntries = member('max_entries');
      if (!key || !value) continue;
      maps.set(variable.name, {
        keySize: sizeOf(resolve(key.type_id).type_id!),
        valueSize: sizeOf(resolve(value.type_id).type_id!),
        maxEntries: maxEntries ? arrayLength(maxEntries.type_id) : 0,
      });
    }
  }
  return maps;
}

/** Problems with one config, each naming the file and the metric; empty when it is sound. */
export function validateConfig(configFile: string, objectFile: string): string[] {
  const file = path.basename(configFile);
  if (!fs.existsSync(objectFile)) return [`${file}: no object ${path.basename(objectFile)} (build it with make)`];
  const config = parse(fs.readFileSync(configFile, 'utf8')) as { metrics?: { counters?: Metric[]; histograms?: Metric[] } };
  const maps = mapsOf(objectFile);
  const problems: string[] = [];
  const all = [...(config.metrics?.counters ?? []).map((m) => ({ ...m, histogram: false })), ...(config.metrics?.histograms ?? []).map((m) => ({ ...m, histogram: true }))];
  if (all.length === 0) problems.push(`${file}: no metrics`);
  for (const metric of all) {
    const where = `${file}: metric ${metric.name}`;
    const map = maps.get(metric.name);
    if (!map) {
      problems.push(`${where}: no map named ${metric.name} in ${path.basename(objectFile)} (maps: ${[...maps.keys()].filter((m) => !m.startsWith('__')).join(', ')})`);
      continue;
    }
    if (map.valueSize !== 8) problems.push(`${where}: map values are ${map.valueSize} bytes; ebpf_exporter reads u64 (8 bytes)`);
    const labelBytes = (metric.labels ?? []).reduce((sum, label) => sum + label.size, 0);
    if (labelBytes !== map.keySize) problems.push(`${where}: label sizes add up to ${labelBytes} bytes but the map key is ${map.keySize} bytes`);
    if (metric.histogram) {
      const last = metric.labels?.at(-1);
      if (metric.bucket_type !== 'exp2' && metric.bucket_type !== 'linear' && metric.bucket_type !== 'fixed') problems.push(`${where}: bucket_type must be exp2, linear or fixed`);
      if (!last || last.name !== 'bucket') problems.push(`${where}: the last label of a histogram must be the bucket`);
      if (metric.bucket_min === undefined || metric.bucket_max === undefined || metric.bucket_min > metric.bucket_max) problems.push(`${where}: needs bucket_min <= bucket_max`);
      else if (metric.labels?.length === 1 && map.maxEntries > 0 && metric.bucket_max >= map.maxEntries) {
        problems.push(`${where}: bucket_max ${metric.bucket_max} does not fit a map of ${map.maxEntries} entries`);
      }
    }
  }
  return problems;
}

// Run as a script (tsx), not when imported by the tests.
if (typeof require !== 'undefined' && require.main === module) {
  const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
  const configs = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  const problems = configs.flatMap((config) => validateConfig(path.join(dir, config), path.join(dir, config.replace(/\.yaml$/, '.bpf.o'))));
  for (const problem of problems) console.error(problem);
  console.log(problems.length === 0 ? `${configs.length} configs valid` : `${problems.length} problems`);
  process.exit(problems.length === 0 ? 0 : 1);
}
