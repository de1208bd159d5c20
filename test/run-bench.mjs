// npm run bench: the benchmarks, run on demand (not part of npm test). The probe benchmark (one sshd,
// N logins) and the fleet benchmark (N network-namespace VMs; BENCH_FLEET_SIZES, default 50,100,300),
// whose server part runs the built server (dist/), built here first.
import { spawnSync } from 'node:child_process';

const steps = [
  ['npm', ['run', 'build']],
  ['npx', ['tsx', '--tsconfig', 'test/tsconfig.json', 'test/bench/probe.bench.ts']],
  ['npx', ['tsx', '--tsconfig', 'test/tsconfig.json', 'test/bench/fleet.bench.ts']],
];
for (const [command, args] of steps) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
