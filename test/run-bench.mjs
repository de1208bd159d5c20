// npm run bench: the benchmarks, run on demand (not part of npm test). The probe benchmark (one sshd,
// N logins) and the fleet benchmark (N network-namespace VMs; BENCH_FLEET_SIZES, default 50,100,300).
import { spawnSync } from 'node:child_process';

for (const bench of ['test/bench/probe.bench.ts', 'test/bench/fleet.bench.ts']) {
  const result = spawnSync('npx', ['tsx', '--tsconfig', 'test/tsconfig.json', bench], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
