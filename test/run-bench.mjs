// npm run bench: the benchmarks, run on demand (not part of npm test). The probe benchmark (one sshd,
// N logins), the fleet benchmark (N network-namespace VMs; BENCH_FLEET_SIZES, default 50,100,300),
// whose server part runs the built server (dist/), built here first, and the retrospective benchmark
// (a generated 300-attendee, 3-hour run served by the built server and shown in Chromium), and the board
// benchmark (300 attendees on the navigator's board in Chromium: first render, idle script, 50 updates/s).
import { spawnSync } from 'node:child_process';

const steps = [
  ['npm', ['run', 'build']],
  ['npx', ['tsx', '--tsconfig', 'test/tsconfig.json', 'test/bench/probe.bench.ts']],
  ['npx', ['tsx', '--tsconfig', 'test/tsconfig.json', 'test/bench/fleet.bench.ts']],
  ['npx', ['tsx', '--tsconfig', 'test/tsconfig.json', 'test/bench/retrospective.bench.ts']],
  ['npx', ['tsx', '--tsconfig', 'test/tsconfig.json', 'test/bench/board.bench.ts']],
];
for (const [command, args] of steps) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
